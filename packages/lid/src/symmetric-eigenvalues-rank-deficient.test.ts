import { expect, test } from 'vitest';
import { symmetricEigenvalues } from './symmetric-eigenvalues.js';

/** Covariance of `rows` images of side×side pixels whose border is always blank and whose inside is 0..255. */
function blankBorderCovariance(rows: number, side: number, seed: number): Float64Array {
  const d = side * side;
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const x = Array.from({ length: rows }, () =>
    Float64Array.from({ length: d }, (_, k) => {
      const r = Math.floor(k / side);
      const c = k % side;
      return r < 3 || c < 3 || r >= side - 3 || c >= side - 3 ? 0 : Math.floor(256 * rand() ** 3);
    }),
  );
  const mean = new Float64Array(d);
  for (const v of x) for (let k = 0; k < d; k++) mean[k]! += v[k]! / rows;
  const cov = new Float64Array(d * d);
  for (const v of x) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j]! += ((v[i]! - mean[i]!) * (v[j]! - mean[j]!)) / (rows - 1);
  return cov;
}

test('a rank-deficient covariance with blank pixels (fewer images than pixels) converges', () => {
  for (const seed of [1, 2, 3]) {
    const d = 20 * 20;
    const cov = blankBorderCovariance(30, 20, seed);
    const trace = Array.from({ length: d }, (_, i) => cov[i * d + i]!).reduce((a, b) => a + b, 0);
    const values = symmetricEigenvalues(cov, d);
    // Rank ≤ 29: the rest vanish (relative to the largest), and the eigenvalues add up to the trace.
    const sorted = Array.from(values).sort((a, b) => b - a);
    expect(sorted.slice(29).every((v) => Math.abs(v) <= 1e-9 * sorted[0]!)).toBe(true);
    expect(sorted.reduce((a, b) => a + b, 0)).toBeCloseTo(trace, 6);
  }
});
