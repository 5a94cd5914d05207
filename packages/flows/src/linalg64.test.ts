import { describe, expect, it } from 'vitest';
import { invertLowerTriangular, invertUpperTriangular, logAbsDet, matMul64 } from './linalg64.js';
import { Rng } from './random.js';

describe('float64 linear algebra', () => {
  it('logAbsDet with pivoting: known matrices and sign', () => {
    expect(logAbsDet([2, 0, 0, 3], 2).logAbsDet).toBeCloseTo(Math.log(6), 14);
    const perm = logAbsDet([0, 1, 1, 0], 2);
    expect(perm.logAbsDet).toBeCloseTo(0, 14);
    expect(perm.sign).toBe(-1);
    expect(logAbsDet([1, 2, 2, 4], 2).logAbsDet).toBe(-Infinity);
  });

  it('triangular inverses multiply back to the identity', () => {
    const n = 7;
    const rng = new Rng(1);
    const l = new Float64Array(n * n);
    const u = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        if (j < i) l[i * n + j] = rng.normal();
        if (j > i) u[i * n + j] = rng.normal();
        if (i === j) {
          l[i * n + j] = 1;
          u[i * n + j] = 0.5 + rng.uniform();
        }
      }
    for (const [m, inv] of [
      [l, invertLowerTriangular(l, n, true)],
      [u, invertUpperTriangular(u, n, false)],
    ] as const) {
      const id = matMul64(m, inv, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(id[i * n + j]).toBeCloseTo(i === j ? 1 : 0, 10);
    }
    // det of a product = product of dets
    expect(logAbsDet(matMul64(l, u, n), n).logAbsDet).toBeCloseTo(logAbsDet(u, n).logAbsDet, 10);
  });
});
