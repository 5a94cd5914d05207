/**
 * One SDE abstraction (T-horizon, linear drift): dx = f(x,t)dt + √β(t) dW with f(x,t) = −½·a·β(t)·x, where
 * a = 1 for VP and 0 for VE. Everything else — sampling, likelihood, losses — takes an `Sde` and a network.
 *
 * Notation (docs/diffusion.md §1): B(t) = ∫₀ᵗ β, perturbation kernel x_t | x_0 ~ N(ψ(t)·x_0, σ²(t)·I).
 * Scalar methods take a number t (solvers use one time per step); the `…At` methods take a per-example
 * tensor t [B] (the training loss draws one time per image).
 */
import * as tf from '@tensorflow/tfjs';
import type { SdeSpec } from '../spec.js';

export interface Sde {
  readonly spec: SdeSpec;
  readonly T: number;
  beta(t: number): number;
  /** B(t) = ∫₀ᵗ β(s) ds. */
  integratedBeta(t: number): number;
  /** Kernel mean factor ψ(t). */
  psi(t: number): number;
  /** Kernel standard deviation σ(t). */
  sigma(t: number): number;
  /** Coefficient of x in the drift: f(x, t) = driftScale(t)·x. */
  driftScale(t: number): number;
  /** ∫_{t0}^{t1} driftScale(s) ds (−½(B(t1) − B(t0)) for VP, 0 for VE): the drift's divergence integral per dimension. */
  driftIntegral(t0: number, t1: number): number;
  /** ψ(t) per example, t: [B] → [B]. */
  psiAt(t: tf.Tensor1D): tf.Tensor1D;
  /** σ(t) per example, t: [B] → [B]. */
  sigmaAt(t: tf.Tensor1D): tf.Tensor1D;
  /** The prior the reverse processes start from: N(0, σ²(T)·I). Its per-element variance. */
  priorVariance(): number;
}

/** f(x, t): the SDE's drift (zero for VE). */
export function drift(sde: Sde, x: tf.Tensor, t: number): tf.Tensor {
  const a = sde.driftScale(t);
  return a === 0 ? tf.zerosLike(x) : tf.mul(x, a);
}

/** div_x f(x, t) for D-dimensional x: the drift is linear, so its divergence is driftScale·D. */
export function driftDivergence(sde: Sde, t: number, dim: number): number {
  return sde.driftScale(t) * dim;
}

/** x_t = ψ(t)·x_0 + σ(t)·ε, with one t per example (t: [B], x0, eps: [B, …]). */
export function perturb(sde: Sde, x0: tf.Tensor, t: tf.Tensor1D, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const shape = [t.shape[0], ...x0.shape.slice(1).map(() => 1)];
    return tf.add(tf.mul(tf.reshape(sde.psiAt(t), shape), x0), tf.mul(tf.reshape(sde.sigmaAt(t), shape), eps));
  });
}

/** The inverse of `perturb` for known noise: x_0 = (x_t − σ(t)·ε)/ψ(t). */
export function unperturb(sde: Sde, xt: tf.Tensor, t: tf.Tensor1D, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const shape = [t.shape[0], ...xt.shape.slice(1).map(() => 1)];
    return tf.div(tf.sub(xt, tf.mul(tf.reshape(sde.sigmaAt(t), shape), eps)), tf.reshape(sde.psiAt(t), shape));
  });
}

/**
 * log N(x; 0, σ²(T)·I) per example, D = elements per example. Computed in float64 from per-example squared
 * norms so that the constant (large for D in the thousands) does not lose the data-dependent part.
 */
export function priorLogDensity(sde: Sde, sqNorms: ArrayLike<number>, dim: number): Float64Array {
  const v = sde.priorVariance();
  const c = -0.5 * dim * Math.log(2 * Math.PI * v);
  return Float64Array.from(sqNorms, (s) => c - s / (2 * v));
}

/** n prior samples N(0, σ²(T)·I) of the given per-example shape, from a seed. */
export function samplePrior(sde: Sde, shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, Math.sqrt(sde.priorVariance()), 'float32', seed);
}
