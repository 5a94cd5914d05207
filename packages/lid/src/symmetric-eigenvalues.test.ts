import { EigenvalueDecomposition, Matrix, QrDecomposition } from 'ml-matrix';
import { describe, expect, test } from 'vitest';
import { symmetricEigenvalues } from './symmetric-eigenvalues.js';

/** Q diag(λ) Qᵀ for a random orthogonal Q (from a QR of a seeded random matrix). */
function withSpectrum(values: number[], seed: number): Float64Array {
  let s = seed;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
  const n = values.length;
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.set(i, j, random());
  const q = new QrDecomposition(m).orthogonalMatrix;
  const a = q.mmul(Matrix.diag(values)).mmul(q.transpose());
  return Float64Array.from(a.to1DArray());
}

describe('symmetricEigenvalues', () => {
  test('recovers a known spectrum spanning many orders of magnitude', () => {
    const values = Array.from({ length: 40 }, (_, i) => 10 ** (i / 4 - 5));
    const got = symmetricEigenvalues(withSpectrum(values, 7), 40);
    for (let i = 0; i < 40; i++) expect(Math.abs(got[i]! - values[i]!)).toBeLessThan(1e-12 * values[39]! + 1e-9 * values[i]!);
  });

  test('agrees with ml-matrix on random symmetric matrices, with repeated and zero eigenvalues', () => {
    for (const n of [1, 2, 3, 17, 60]) {
      const r = Matrix.rand(n, Math.max(1, n - 3));
      const q = r.mmul(r.transpose()); // rank-deficient: repeated zeros
      const expected = new EigenvalueDecomposition(q, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
      const got = symmetricEigenvalues(Float64Array.from(q.to1DArray()), n);
      const scale = Math.max(1, Math.abs(expected[n - 1]!));
      for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-11 * scale);
    }
  });

  test('a diagonal matrix is its own spectrum; the size is checked', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3))).toEqual([-1, 2, 3]);
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow('expected 4 entries for a 2×2 matrix, got 5');
  });
});
