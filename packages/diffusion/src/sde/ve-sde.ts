import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';
import type { Sde } from './sde.js';

/**
 * Variance exploding: β(t) = g_diff·exp(g_min + g_diff·t), g_diff = (g_max − g_min)/T; no drift; ψ = 1,
 * σ²(t) = B(t) = exp(g_min + g_diff·t) − exp(g_min). The reference's class default is g_min = −5, g_max = 5;
 * its RGB training sweep uses ±10 (σ(1) ≈ 148.4, σ(0.01) ≈ 3.2e-3).
 */
export class VeSde implements Sde {
  readonly spec: { type: 've'; gMin: number; gMax: number; T: number };
  private readonly gDiff: number;

  constructor(readonly gMin = -5, readonly gMax = 5, readonly T = 1) {
    if (!(Number.isFinite(gMin) && Number.isFinite(gMax) && gMax > gMin)) {
      throw invalidArgument('VeSde', `need finite g_min < g_max (got g_min=${gMin}, g_max=${gMax})`);
    }
    if (!(T > 0 && Number.isFinite(T))) throw invalidArgument('VeSde', `T must be positive (got ${T})`);
    this.gDiff = (gMax - gMin) / T;
    this.spec = { type: 've', gMin, gMax, T };
  }

  beta(t: number): number {
    return this.gDiff * Math.exp(this.gMin + this.gDiff * t);
  }
  integratedBeta(t: number): number {
    // e^{g_min}·(e^{g_diff·t} − 1), with expm1 for accuracy near t = 0.
    return Math.exp(this.gMin) * Math.expm1(this.gDiff * t);
  }
  psi(_t: number): number {
    return 1;
  }
  sigma(t: number): number {
    return Math.sqrt(this.integratedBeta(t));
  }
  driftScale(_t: number): number {
    return 0;
  }
  driftIntegral(_t0: number, _t1: number): number {
    return 0;
  }
  psiAt(t: tf.Tensor1D): tf.Tensor1D {
    return tf.onesLike(t);
  }
  sigmaAt(t: tf.Tensor1D): tf.Tensor1D {
    return tf.tidy(() => tf.sqrt(tf.mul(tf.expm1(tf.mul(t, this.gDiff)), Math.exp(this.gMin))));
  }
  priorVariance(): number {
    return this.integratedBeta(this.T);
  }
}
