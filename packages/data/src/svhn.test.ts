import { describe, expect, it } from 'vitest';
import { parseMat5 } from './mat5.js';
import { svhnFromMat } from './svhn.js';
import { encodeMat5 } from './testing/mat5-writer.js';

/** Column-major X(h, w, c, n) for an H×W×3×N array defined by f. */
function columnMajor(h: number, w: number, n: number, f: (h: number, w: number, c: number, n: number) => number): Uint8Array {
  const out = new Uint8Array(h * w * 3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out[y + h * x + h * w * c + h * w * 3 * i] = f(y, x, c, i);
  return out;
}

describe('svhnFromMat', () => {
  const f = (y: number, x: number, c: number, i: number) => (y * 7 + x * 3 + c * 50 + i * 101) % 256;
  for (const compress of [false, true]) {
    it(`turns X (H, W, 3, N) column-major into NCHW and maps label 10 to 0 (${compress ? 'compressed' : 'plain'})`, () => {
      const [h, w, n] = [32, 32, 3];
      const mat = parseMat5(
        encodeMat5(
          [
            { name: 'X', class: 'uint8', dims: [h, w, 3, n], data: columnMajor(h, w, n, f) },
            { name: 'y', class: 'double', dims: [n, 1], data: [10, 1, 9] },
          ],
          { compress },
        ),
      );
      const s = svhnFromMat(mat);
      expect([s.n, s.h, s.w]).toEqual([3, 32, 32]);
      expect([...s.labels]).toEqual([0, 1, 9]);
      for (const [i, c, y, x] of [[0, 0, 0, 0], [1, 2, 5, 31], [2, 1, 31, 4], [2, 2, 17, 9]] as const) {
        expect(s.images[((i * 3 + c) * h + y) * w + x]).toBe(f(y, x, c, i));
      }
    });
  }

  it('handles non-square planes (row/column roles are not swapped)', () => {
    const [h, w, n] = [2, 3, 1];
    const s = svhnFromMat(parseMat5(encodeMat5([
      { name: 'X', class: 'uint8', dims: [h, w, 3, n], data: columnMajor(h, w, n, (y, x, c) => 100 * c + 10 * y + x) },
      { name: 'y', class: 'double', dims: [1, 1], data: [4] },
    ])));
    expect([...s.images.subarray(0, 6)]).toEqual([0, 1, 2, 10, 11, 12]);
    expect([...s.images.subarray(6, 12)]).toEqual([100, 101, 102, 110, 111, 112]);
  });

  it('names what is wrong', () => {
    const mk = (vars: Parameters<typeof encodeMat5>[0]) => () => svhnFromMat(parseMat5(encodeMat5(vars)));
    expect(mk([{ name: 'y', class: 'double', dims: [1, 1], data: [1] }])).toThrow(/no numeric variable "X"/);
    expect(mk([
      { name: 'X', class: 'uint8', dims: [2, 2, 3, 2], data: new Uint8Array(24) },
      { name: 'y', class: 'double', dims: [3, 1], data: [1, 2, 3] },
    ])).toThrow(/2 images but y has 3 labels/);
    expect(mk([
      { name: 'X', class: 'uint8', dims: [2, 2, 3, 1], data: new Uint8Array(12) },
      { name: 'y', class: 'double', dims: [1, 1], data: [11] },
    ])).toThrow(/expected 1…10/);
  });
});
