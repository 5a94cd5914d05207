import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';
import type { Sde } from './sde.js';

/**
 * Variance preserving: β(t) = βmin + (βmax − βmin)·t/T, f = −½β(t)x, ψ = exp(−B/2), σ² = 1 − exp(−B).
 * With the reference's βmin = 0.1, βmax = 20 (T = 1): B(1) = 10.05, σ²(1) = 0.99996.
 */
export class VpSde implements Sde {
  readonly spec: { type: 'vp'; betaMin: number; betaMax: number; T: number };

  constructor(readonly betaMin = 0.1, readonly betaMax = 20, readonly T = 1) {
    if (!(betaMin > 0 && betaMax >= betaMin && Number.isFinite(betaMax))) {
      throw invalidArgument('VpSde', `need 0 < beta_min ≤ beta_max < ∞ (got beta_min=${betaMin}, beta_max=${betaMax})`);
    }
    if (!(T > 0 && Number.isFinite(T))) throw invalidArgument('VpSde', `T must be positive (got ${T})`);
    this.spec = { type: 'vp', betaMin, betaMax, T };
  }

  beta(t: number): number {
    return this.betaMin + ((this.betaMax - this.betaMin) * t) / this.T;
  }
  integratedBeta(t: number): number {
    return this.betaMin * t + ((this.betaMax - this.betaMin) * t * t) / (2 * this.T);
  }
  psi(t: number): number {
    return Math.exp(-0.5 * this.integratedBeta(t));
  }
  sigma(t: number): number {
    return Math.sqrt(-Math.expm1(-this.integratedBeta(t)));
  }
  driftScale(t: number): number {
    return -0.5 * this.beta(t);
  }
  driftIntegral(t0: number, t1: number): number {
    return -0.5 * (this.integratedBeta(t1) - this.integratedBeta(t0));
  }
  private integratedBetaAt(t: tf.Tensor1D): tf.Tensor1D {
    return tf.add(tf.mul(t, this.betaMin), tf.mul(tf.square(t), (this.betaMax - this.betaMin) / (2 * this.T)));
  }
  psiAt(t: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => tf.exp(tf.mul(this.integratedBetaAt(t), -0.5)));
  }
  sigmaAt(t: tf.Tensor1D): tf.Tensor1D {
    // 1 − e^{−B} = −expm1(−B): exact for small t, where σ is tiny.
    return tf.tidy(() => tf.sqrt(tf.neg(tf.expm1(tf.neg(this.integratedBetaAt(t))))));
  }
  priorVariance(): number {
    return this.sigma(this.T) ** 2;
  }
}
