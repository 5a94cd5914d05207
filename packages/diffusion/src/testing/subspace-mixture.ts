/**
 * Data on a union of affine subspaces of known dimensions, for closed-form LID checks: component k is
 * N(μ_k, U_k U_kᵀ + η²I) with U_k an orthonormal D×d_k basis, equal weights. Every diffusion marginal is then a
 * Gaussian mixture with covariances a·I + b·U_k U_kᵀ (a = ψ²η² + σ², b = ψ²), so the true score is exact and
 * differentiable in tfjs (its Jacobian trace comes from autodiff).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@dgm-ood/engine/rng';
import type { Sde } from '../sde/index.js';
import { randomOrthonormalColumns } from './gaussian-score.js';

export interface SubspaceMixture {
  dim: number;
  dims: number[];
  eta: number;
  means: Float64Array[];
  /** Orthonormal bases, row-major D×d_k. */
  bases: Float64Array[];
}

export function subspaceMixture(dim: number, dims: number[], eta: number, seed: number): SubspaceMixture {
  const rng = new Rng(seed);
  const bases = dims.map((d) => randomOrthonormalColumns(dim, d, rng));
  const means = dims.map(() => Float64Array.from({ length: dim }, () => 2 * rng.normal()));
  return { dim, dims, eta, means, bases };
}

/** `perComponent` samples of each component, in component order: [K·perComponent, D]. */
export function sampleSubspaceMixture(m: SubspaceMixture, perComponent: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  const out = new Float32Array(m.dims.length * perComponent * m.dim);
  let row = 0;
  m.dims.forEach((d, k) => {
    for (let s = 0; s < perComponent; s++, row++) {
      const a = Array.from({ length: d }, () => rng.normal());
      for (let i = 0; i < m.dim; i++) {
        let v = m.means[k]![i]! + m.eta * rng.normal();
        for (let j = 0; j < d; j++) v += m.bases[k]![i * d + j]! * a[j]!;
        out[row * m.dim + i] = v;
      }
    }
  });
  return tf.tensor2d(out, [m.dims.length * perComponent, m.dim]);
}

/** The exact score ∇ log p_t of the mixture's diffusion marginal at time t, for rows y [N, D]. */
export function subspaceMixtureScore(sde: Sde, m: SubspaceMixture): (y: tf.Tensor, t: number) => tf.Tensor {
  return (y, t) =>
    tf.tidy(() => {
      const [psi, sigma] = [sde.psi(t), sde.sigma(t)];
      const a = psi * psi * m.eta * m.eta + sigma * sigma;
      const b = psi * psi;
      const rows = tf.reshape(y, [-1, m.dim]);
      const logs: tf.Tensor[] = [];
      const scores: tf.Tensor[] = [];
      m.dims.forEach((d, k) => {
        const u = tf.tensor2d(Float32Array.from(m.bases[k]!), [m.dim, d]);
        const r = tf.sub(rows, tf.tensor1d(Float32Array.from(m.means[k]!, (v) => psi * v)));
        const proj = tf.matMul(r, u);
        const c = b / (a + b);
        // C⁻¹r = (r − c·U Uᵀ r)/a; quadratic form (‖r‖² − c‖Uᵀr‖²)/a; log det C = D ln a + d ln(1 + b/a).
        const cinvR = tf.div(tf.sub(r, tf.mul(tf.matMul(proj, u, false, true), c)), a);
        const quad = tf.div(tf.sub(tf.sum(tf.square(r), 1), tf.mul(tf.sum(tf.square(proj), 1), c)), a);
        logs.push(tf.sub(tf.mul(quad, -0.5), 0.5 * (m.dim * Math.log(a) + d * Math.log1p(b / a))));
        scores.push(tf.neg(cinvR));
      });
      const w = tf.softmax(tf.stack(logs, 1), 1); // [N, K]
      const s = tf.sum(tf.mul(tf.stack(scores, 1), tf.expandDims(w, 2)), 1);
      return tf.reshape(s, y.shape);
    });
}
