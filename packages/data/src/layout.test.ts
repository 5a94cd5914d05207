import { describe, expect, it } from 'vitest';
import { nchwToNhwc, nhwcToNchw } from './layout.js';

describe('NCHW ↔ NHWC', () => {
  it('moves channel c of pixel (h, w) to the innermost axis and back', () => {
    const shape: [number, number, number, number] = [2, 3, 2, 4];
    const nchw = Float32Array.from({ length: 48 }, (_, i) => i);
    const nhwc = nchwToNhwc(nchw, shape);
    const [, c, h, w] = shape;
    for (const [n, ch, y, x] of [[0, 0, 0, 0], [1, 2, 1, 3], [0, 1, 1, 2]] as const) {
      expect(nhwc[((n * h + y) * w + x) * c + ch]).toBe(nchw[((n * c + ch) * h + y) * w + x]);
    }
    expect(nhwcToNchw(nhwc, shape)).toEqual(nchw);
    expect(nchwToNhwc(Uint8Array.from(nchw), shape)).toBeInstanceOf(Uint8Array);
  });
});
