import { describe, expect, test } from 'vitest';
import { gramOfDiagonal } from './gram.test-support.js';
import { gramEigen, taylorLid } from './taylor.js';


describe('gramEigen', () => {
  test('eigenvalues of JᵀJ (floored) and the latent rotated into their basis, its norm kept', () => {
    const n = 4;
    // A symmetric matrix with known eigenpairs: Q = V diag(λ) Vᵀ, V a Givens rotation in the (0, 1) plane.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const lambda = [9, 4, 1, 0];
    const v = [
      [c, -s, 0, 0],
      [s, c, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const q = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) q[i * n + j]! += v[i]![k]! * lambda[k]! * v[j]![k]!;
    const z = [1, 2, 3, 4];
    const { values, rotatedLatent } = gramEigen(q, n, z);
    const pairs = Array.from(values, (val, k) => [val, rotatedLatent[k]!] as const).sort((a, b) => b[0] - a[0]);
    expect(pairs.map(([val]) => val).map((x) => Number(x.toFixed(9)))).toEqual([9, 4, 1, 1e-20].map((x) => Number(x.toFixed(9))));
    // z̃ₖ = vₖ·z up to the eigenvector's sign.
    const expected = [c * 1 + s * 2, -s * 1 + c * 2, 3, 4];
    pairs.forEach(([, zk], k) => expect(Math.abs(zk)).toBeCloseTo(Math.abs(expected[k]!), 9));
    expect(rotatedLatent.reduce((a, b) => a + b * b, 0)).toBeCloseTo(1 + 4 + 9 + 16, 9);
  });
});

describe('taylorLid', () => {
  test('counts the directions whose singular values stand above the scale (z = 0)', () => {
    const n = 10;
    const eigen = gramEigen(gramOfDiagonal([1e3, 1e3, 1e3, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6, 1e-6]), n, new Array(n).fill(0));
    expect(taylorLid(eigen, 0)).toBeCloseTo(3, 3);
    // Below every singular value: all directions count; above all of them: none.
    expect(taylorLid(eigen, -20)).toBeCloseTo(10, 3);
    expect(taylorLid(eigen, 20)).toBeCloseTo(0, 3);
  });

  test('equals D + δ²·[−Σ 1/(λ+δ²) + Σ λ z̃² / (λ+δ²)²] for a latent off the origin', () => {
    const eigen = { values: Float64Array.from([2, 0.5]), rotatedLatent: Float64Array.from([1, -3]) };
    const scale = Math.log(0.8) / 2; // δ² = 0.8
    const d2 = 0.8;
    const expected = 2 + d2 * (-1 / (2 + d2) - 1 / (0.5 + d2) + (2 * 1) / (2 + d2) ** 2 + (0.5 * 9) / (0.5 + d2) ** 2);
    expect(taylorLid(eigen, scale)).toBeCloseTo(expected, 12);
  });
});
