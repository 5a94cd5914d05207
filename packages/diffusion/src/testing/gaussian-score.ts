/**
 * Gaussian data x_0 ~ N(μ, Σ), Σ = U·diag(λ)·Uᵀ, for closed-form checks: under both SDEs every marginal is
 * Gaussian, p_t = N(ψ(t)μ, ψ²(t)Σ + σ²(t)I), so the exact score, the exact log-density and the exact expected
 * ε-loss are known. λ may contain zeros (rank-deficient data).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@dgm-ood/engine/rng';
import type { ScoreNetwork } from '../score-network.js';
import type { Sde } from '../sde/index.js';

export interface GaussianData {
  /** NHWC shape of one point. */
  shape: [number, number, number];
  dim: number;
  mean: Float64Array;
  /** Eigenvalues of Σ. */
  lambda: Float64Array;
  /** Orthonormal eigenvectors as columns, row-major D×D. */
  basis: Float64Array;
}

/** `count` random orthonormal vectors of R^dim (Gram–Schmidt on Gaussian vectors), as the columns of a row-major dim×count matrix. */
export function randomOrthonormalColumns(dim: number, count: number, rng: Rng): Float64Array {
  const cols: Float64Array[] = [];
  while (cols.length < count) {
    const v = Float64Array.from({ length: dim }, () => rng.normal());
    for (const c of cols) {
      const dot = c.reduce((s, ci, i) => s + ci * v[i]!, 0);
      for (let i = 0; i < dim; i++) v[i]! -= dot * c[i]!;
    }
    const norm = Math.hypot(...v);
    if (norm > 1e-6) cols.push(v.map((x) => x / norm));
  }
  const out = new Float64Array(dim * count);
  for (let i = 0; i < dim; i++) for (let j = 0; j < count; j++) out[i * count + j] = cols[j]![i]!;
  return out;
}

/** A random orthonormal basis and the given spectrum. */
export function gaussianData(shape: [number, number, number], lambda: number[], seed: number): GaussianData {
  const dim = shape[0] * shape[1] * shape[2];
  if (lambda.length !== dim) throw new Error(`need ${dim} eigenvalues, got ${lambda.length}`);
  const rng = new Rng(seed);
  const basis = randomOrthonormalColumns(dim, dim, rng);
  const mean = Float64Array.from({ length: dim }, () => 0.5 * rng.normal());
  return { shape, dim, mean, lambda: Float64Array.from(lambda), basis };
}

/** n exact samples of x_0, NHWC. */
export function sampleGaussianData(g: GaussianData, n: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  const out = new Float32Array(n * g.dim);
  for (let s = 0; s < n; s++) {
    const a = Float64Array.from(g.lambda, (l) => Math.sqrt(l) * rng.normal());
    for (let i = 0; i < g.dim; i++) {
      let v = g.mean[i]!;
      for (let j = 0; j < g.dim; j++) v += g.basis[i * g.dim + j]! * a[j]!;
      out[s * g.dim + i] = v;
    }
  }
  return tf.tensor4d(out, [n, ...g.shape]);
}

/** The exact network of the reference's parametrisation: ŝ(x, t) = σ(t)·∇log p_t(x). */
export function analyticScoreNetwork(sde: Sde, g: GaussianData): ScoreNetwork {
  const u = tf.tensor2d(Float32Array.from(g.basis), [g.dim, g.dim]);
  const mu = tf.tensor2d(Float32Array.from(g.mean), [1, g.dim]);
  const lambda = tf.tensor2d(Float32Array.from(g.lambda), [1, g.dim]);
  return {
    apply: (x, t) =>
      tf.tidy(() => {
        const b = x.shape[0];
        const psi = tf.reshape(sde.psiAt(t), [b, 1]);
        const sigma = tf.reshape(sde.sigmaAt(t), [b, 1]);
        const c = tf.matMul(tf.sub(tf.reshape(x, [b, g.dim]), tf.mul(psi, mu)), u);
        const variance = tf.add(tf.mul(tf.square(psi), lambda), tf.square(sigma));
        return tf.reshape(tf.neg(tf.mul(sigma, tf.matMul(tf.div(c, variance), u, false, true))), x.shape) as tf.Tensor4D;
      }),
  };
}

/** Exact log p_t(x) per point (float64), x: [B, …] flattened row-major like the network's input. */
export function exactLogDensity(sde: Sde, g: GaussianData, x: Float32Array | Float64Array, t: number): Float64Array {
  const n = x.length / g.dim;
  const psi = sde.psi(t);
  const s2 = sde.sigma(t) ** 2;
  const out = new Float64Array(n);
  for (let p = 0; p < n; p++) {
    let total = 0;
    for (let k = 0; k < g.dim; k++) {
      let c = 0;
      for (let i = 0; i < g.dim; i++) c += g.basis[i * g.dim + k]! * (x[p * g.dim + i]! - psi * g.mean[i]!);
      const v = psi * psi * g.lambda[k]! + s2;
      total += (c * c) / v + Math.log(2 * Math.PI * v);
    }
    out[p] = -0.5 * total;
  }
  return out;
}

/** Exact trace of ∂s/∂x at time t (the same at every x): −Σ_k 1/(ψ²λ_k + σ²). */
export function exactScoreTrace(sde: Sde, g: GaussianData, t: number): number {
  const psi = sde.psi(t);
  const s2 = sde.sigma(t) ** 2;
  return -g.lambda.reduce((s, l) => s + 1 / (psi * psi * l + s2), 0);
}

/** E[ε-loss] of the exact network for t ~ U(0, T): E_t Σ_k ψ²λ_k/(ψ²λ_k + σ²), by the midpoint rule. */
export function expectedOptimalEpsilonLoss(sde: Sde, g: GaussianData, nodes = 20_000): number {
  let total = 0;
  for (let i = 0; i < nodes; i++) {
    const t = ((i + 0.5) / nodes) * sde.T;
    const psi2 = sde.psi(t) ** 2;
    const s2 = sde.sigma(t) ** 2;
    total += g.lambda.reduce((s, l) => s + (psi2 * l) / (psi2 * l + s2), 0);
  }
  return total / nodes;
}
