import { describe, expect, it } from 'vitest';
import { meanSquaredError, ssimDistance } from './image-distances.js';

describe('reconstruction distances', () => {
  const ramp = Array.from({ length: 16 * 16 }, (_, i) => (i * 7) % 256);
  it('l2: the mean squared pixel difference', () => {
    expect(meanSquaredError([0, 10, 20], [0, 13, 16])).toBeCloseTo((9 + 16) / 3, 12);
  });
  it('ssim: 0 for the same image, growing with the damage', () => {
    expect(ssimDistance(ramp, ramp, [16, 16, 1])).toBeCloseTo(0, 12);
    const slight = ramp.map((v, i) => Math.min(255, v + (i % 3)));
    const heavy = ramp.map((v, i) => (i % 2 ? 255 - v : v));
    const a = ssimDistance(ramp, slight, [16, 16, 1]);
    const b = ssimDistance(ramp, heavy, [16, 16, 1]);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
  });
  it('ssim on images smaller than its 11-pixel window: a smaller window, a finite value', () => {
    const small = ramp.slice(0, 64);
    const d = ssimDistance(small, small.map((v) => 255 - v), [8, 8, 1]);
    expect(Number.isFinite(d)).toBe(true);
    expect(d).toBeGreaterThan(0.5);
  });
});
