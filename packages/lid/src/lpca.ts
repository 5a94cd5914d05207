import { symmetricEigenvalues } from './symmetric-eigenvalues.js';

/**
 * Model-free dataset dimension by global PCA, as skdim's lPCA(ver='FO', alphaFO=0.001) computes it on the
 * flattened training images: the number of covariance eigenvalues above alpha × the largest.
 * `covariance` is row-major D×D (see `covariance`).
 */
export function lpcaDimensionFromCovariance(covariance: Float64Array, dimension: number, alpha = 0.001): number {
  const values = symmetricEigenvalues(Float64Array.from(covariance), dimension);
  const largest = values[dimension - 1]!;
  let count = 0;
  for (const v of values) if (v > alpha * largest) count++;
  return count;
}

/**
 * Sample covariance (divisor N−1) of N rows of D features, row-major, in float64. O(N·D²): fine for the
 * calibration subsets; for whole training sets compute it with a matmul on the engine instead.
 */
export function covariance(data: ArrayLike<number>, rows: number, dimension: number): Float64Array {
  if (data.length !== rows * dimension) throw new RangeError(`expected ${rows * dimension} values, got ${data.length}`);
  if (rows < 2) throw new RangeError('covariance needs at least two rows');
  const mean = new Float64Array(dimension);
  for (let r = 0; r < rows; r++) for (let j = 0; j < dimension; j++) mean[j] = mean[j]! + data[r * dimension + j]!;
  for (let j = 0; j < dimension; j++) mean[j] = mean[j]! / rows;
  const cov = new Float64Array(dimension * dimension);
  const centred = new Float64Array(dimension);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dimension; j++) centred[j] = data[r * dimension + j]! - mean[j]!;
    for (let i = 0; i < dimension; i++) {
      const ci = centred[i]!;
      if (ci === 0) continue;
      const row = i * dimension;
      for (let j = 0; j <= i; j++) cov[row + j] = cov[row + j]! + ci * centred[j]!;
    }
  }
  for (let i = 0; i < dimension; i++) {
    for (let j = 0; j <= i; j++) {
      const v = cov[i * dimension + j]! / (rows - 1);
      cov[i * dimension + j] = v;
      cov[j * dimension + i] = v;
    }
  }
  return cov;
}
