import { describe, expect, it } from 'vitest';
import { probeValues, Rng } from './rng.js';

describe('Rng', () => {
  it('is xoshiro128**: matches the reference implementation from state (0, 1, 2, 3)', () => {
    const rng = Rng.fromState([0, 1, 2, 3]);
    const out = Array.from({ length: 10 }, () => rng.nextUint32());
    expect(out).toEqual([5760, 17280, 2966400, 32451840, 2604340873, 3891234569, 1254043636, 216095511, 3291724652, 2070429911]);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(100).fillUniform(new Float64Array(5));
    const b = new Rng(100).fillUniform(new Float64Array(5));
    const c = new Rng(101).fillUniform(new Float64Array(5));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(probeValues('rademacher', 8, 7))).toEqual(Array.from(probeValues('rademacher', 8, 7)));
  });

  it('draws uniforms in [0,1), normals with mean 0 and variance 1, balanced ±1', () => {
    const n = 200_000;
    const rng = new Rng(3);
    let min = 1;
    let max = 0;
    let sumU = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sumU += u;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sumU / n - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    const g = Array.from(new Rng(4).fillNormal(new Float64Array(n)));
    const mean = g.reduce((s, v) => s + v, 0) / n;
    const variance = g.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
    const fourth = g.reduce((s, v) => s + v ** 4, 0) / n;
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(fourth - 3)).toBeLessThan(0.1);
    const r = probeValues('rademacher', n, 5);
    expect(new Set(r)).toEqual(new Set([-1, 1]));
    expect(Math.abs(r.reduce((s, v) => s + v, 0) / n)).toBeLessThan(5 / Math.sqrt(n));
  });

  it('rejects a non-finite seed', () => {
    expect(() => new Rng(NaN)).toThrow(/seed must be a finite number/);
  });
});
