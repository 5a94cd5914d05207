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

  test('reads only the lower triangle, and handles columns that need no reflection', () => {
    // Block diagonal: a 5×5 diagonal head (its columns are already reduced) and a random 12×12 block; the
    // strict upper triangle holds garbage.
    const n = 17;
    const block = Matrix.rand(12, 12);
    const sym = block.add(block.transpose());
    const full = Matrix.zeros(n, n);
    for (let i = 0; i < 5; i++) full.set(i, i, i - 2);
    for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) full.set(5 + i, 5 + j, sym.get(i, j));
    const expected = new EigenvalueDecomposition(full, { assumeSymmetric: true }).realEigenvalues.sort((a, b) => a - b);
    const input = Float64Array.from(full.to1DArray());
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) input[i * n + j] = 1e6 * (i - j);
    const got = symmetricEigenvalues(input, n);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-11 * 30);
  });

  test('a diagonal matrix is its own spectrum; the size is checked', () => {
    expect(Array.from(symmetricEigenvalues(Float64Array.from([3, 0, 0, 0, -1, 0, 0, 0, 2]), 3))).toEqual([-1, 2, 3]);
    expect(() => symmetricEigenvalues(new Float64Array(5), 2)).toThrow('expected 4 entries for a 2×2 matrix, got 5');
  });
});
