import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { EIGENVALUE_FLOOR, fixedGramEntry } from './spectrum.js';

/** Eigenvalues of JᵀJ and the latent rotated into its eigenbasis (z̃ = Qᵀz): what the Taylor LID needs. */
export interface GramEigen {
  values: Float64Array;
  rotatedLatent: Float64Array;
}

/**
 * Eigendecomposition of Q = JᵀJ with the reference's fixes (symmetrise, clamp to ±10^4.5, NaN → 0, floor the
 * eigenvalues at 1e-20), keeping the eigenvectors only to rotate the latent z into their basis.
 */
export function gramEigen(gram: Float32Array | Float64Array, dimension: number, latent: ArrayLike<number>): GramEigen {
  const n = dimension;
  if (gram.length !== n * n) throw new RangeError(`gram matrix: expected ${n * n} entries, got ${gram.length}`);
  if (latent.length !== n) throw new RangeError(`latent: expected ${n} values, got ${latent.length}`);
  const q = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = fixedGramEntry(gram, n, i, j);
      q.set(i, j, v);
      q.set(j, i, v);
    }
  }
  const evd = new EigenvalueDecomposition(q, { assumeSymmetric: true });
  const vectors = evd.eigenvectorMatrix;
  const values = Float64Array.from(evd.realEigenvalues, (v) => (v > EIGENVALUE_FLOOR ? v : EIGENVALUE_FLOOR));
  const rotatedLatent = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += vectors.get(i, k) * latent[i]!;
    rotatedLatent[k] = s;
  }
  return { values, rotatedLatent };
}

/**
 * The Taylor (LIDL-style) LID at a scale: D + δ²·[−Σ 1/(λᵢ+δ²) + Σ λᵢ z̃ᵢ² / (λᵢ+δ²)²] with δ² = e^{2·scale}, the
 * rate of change of the log density of the decoder's linearisation convolved with N(0, δ²I), with respect to
 * ln δ, plus D (the paper's earlier `taylor_approximation` submethod; docs/reference-notes.md §3.2).
 */
export function taylorLid({ values, rotatedLatent }: GramEigen, scale: number): number {
  const variance = Math.exp(2 * scale);
  let rate = 0;
  for (let i = 0; i < values.length; i++) {
    const denominator = values[i]! + variance;
    const z = rotatedLatent[i]! / denominator;
    rate += values[i]! * z * z - 1 / denominator;
  }
  return values.length + variance * rate;
}
