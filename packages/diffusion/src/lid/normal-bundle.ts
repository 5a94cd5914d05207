/**
 * The paper's diffusion LID (Stanczuk et al. 2023, with the VP adaptation): near the data manifold the
 * reverse-SDE drift points back to the manifold, so drifts at n noisy copies of a point span its normal space.
 * Per point: y_k = ψ(t₀)x + σ(t₀)ξ_k, v_k = f(y_k, t₀) − g²(t₀)·s(y_k, t₀) (g² = β), the singular values of the
 * n×D matrix [v_k]; LID = the number of small singular values (below e^{−2·scale}), or with no scale
 * Stanczuk's rule: normal dimension = the position of the largest gap between consecutive singular values.
 */
import * as tf from '@tensorflow/tfjs';
import { symmetricEigenvalues } from '@dgm-ood/lid';
import { deriveSeed, probeValues } from '@dgm-ood/engine/rng';
import { invalidArgument } from '../errors.js';
import { drift, type Sde } from '../sde/index.js';

export interface NormalBundleOptions {
  /** Noise time t₀ (reference 0.01). */
  t0: number;
  /** Noisy copies per point (reference 4·ambient_dim). */
  numScores: number;
  /** Copy k of point i draws its noise from deriveSeed(seed, i, k): the same whatever the chunk size. */
  seed: number;
  /** Copies per network call (a memory bound; the result does not depend on it). */
  chunk?: number;
}

/** Singular values (descending) of the stacked drift matrix of each point. */
export async function normalBundleSpectra(
  sde: Sde,
  score: (xt: tf.Tensor, t: number) => tf.Tensor,
  x: tf.Tensor,
  options: NormalBundleOptions,
): Promise<Float64Array[]> {
  const { t0, numScores } = options;
  if (!(t0 > 0 && t0 <= sde.T)) throw invalidArgument('normalBundle', `t0 must lie in (0, ${sde.T}] (got ${t0})`);
  if (!(Number.isInteger(numScores) && numScores >= 1)) throw invalidArgument('normalBundle', `numScores must be a positive integer (got ${numScores})`);
  const n = x.shape[0]!;
  const sampleShape = x.shape.slice(1);
  const dim = sampleShape.reduce((p, q) => p * q, 1);
  const chunk = Math.max(1, options.chunk ?? 128);
  const [psi, sigma, g2] = [sde.psi(t0), sde.sigma(t0), sde.beta(t0)];
  const spectra: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    // Gram matrix VᵀV accumulated over chunks of copies: D×D in float64 whatever n is.
    const gram = new Float64Array(dim * dim);
    const xi = tf.slice(x, [i, ...sampleShape.map(() => 0)], [1, ...sampleShape]);
    try {
      for (let k0 = 0; k0 < numScores; k0 += chunk) {
        const kc = Math.min(chunk, numScores - k0);
        const rows = tf.tidy(() => {
          const draws = new Float32Array(kc * dim);
          for (let k = 0; k < kc; k++) draws.set(probeValues('gaussian', dim, deriveSeed(options.seed, i, k0 + k)), k * dim);
          const noise = tf.tensor(draws, [kc, ...sampleShape]);
          const y = tf.add(tf.mul(xi, psi), tf.mul(noise, sigma));
          const v = tf.sub(drift(sde, y, t0), tf.mul(score(y, t0), g2));
          return tf.reshape(v, [kc, dim]);
        });
        const values = await rows.data();
        rows.dispose();
        accumulateGram(gram, values, kc, dim);
      }
    } finally {
      xi.dispose();
    }
    const eig = symmetricEigenvalues(gram, dim);
    spectra.push(Float64Array.from(eig, (l) => Math.sqrt(Math.max(0, l))).sort((a, b) => b - a));
  }
  return spectra;
}

function accumulateGram(gram: Float64Array, rows: ArrayLike<number>, count: number, dim: number): void {
  for (let r = 0; r < count; r++) {
    const off = r * dim;
    for (let a = 0; a < dim; a++) {
      const va = rows[off + a]!;
      if (va === 0) continue;
      const base = a * dim;
      for (let b = a; b < dim; b++) gram[base + b]! += va * rows[off + b]!;
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) gram[a * dim + b] = gram[b * dim + a]!;
}

/** LID from a descending spectrum: the count below e^{−2·scale}, or (scale null) D − (largest gap position + 1). */
export function normalBundleLid(spectrum: Float64Array, scale: number | null): number {
  const d = spectrum.length;
  if (scale !== null) {
    const threshold = Math.exp(-2 * scale);
    return spectrum.reduce((c, s) => c + (s < threshold ? 1 : 0), 0);
  }
  let best = 0;
  let at = 0;
  for (let i = 0; i + 1 < d; i++) {
    const gap = spectrum[i]! - spectrum[i + 1]!;
    if (gap > best) {
      best = gap;
      at = i;
    }
  }
  return d - (at + 1);
}
