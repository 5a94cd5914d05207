import * as tf from '@tensorflow/tfjs';
import { sumExceptBatch } from '@dgm-ood/engine';
import { Module } from '../module.js';
import { assertSinglePoint, elementwiseLinearization } from '../linearization.js';
import type { ChwShape, ForwardResult, InverseResult, Linearization, Transform } from '../types.js';

export interface LogitTransformOptions {
  /** Squash toward the centre before the logit: p = α + (1−α)·x. Reference: 0.05. */
  alpha?: number;
  /** Offset inside the logs. Reference: 1e-6. */
  eps?: number;
  /**
   * Parity with the reference's inverse (QUIRK, docs/reference-notes.md §2.1): return σ(y), i.e. p instead of x, with
   * log-det Σ[ln(1−σ) + ln σ − ln(1−α)] (the ε-offset logs as upstream). Off by default: the correct inverse
   * x = (σ(y)(1+ε) − α)/(1−α) is used. Only matters for generated samples and decoder Jacobians.
   */
  upstreamInverseQuirk?: boolean;
}

/**
 * Logit transform on [0,1]-valued data (reference LogitTransform):
 *   p = α + (1−α)x,  y = ln(p / (1 − p + ε)),  log|det| = Σ ln(1−α) − ln(1 − p + ε) − ln(p + ε).
 * The log-det is the reference's expression (it differs from the exact derivative by O(ε)); we keep it so
 * likelihoods match upstream. The exact inverse of y(x) is p = σ(y)(1+ε), x = (p − α)/(1 − α).
 */
export class LogitTransform extends Module implements Transform {
  readonly kind = 'logit';
  readonly alpha: number;
  readonly eps: number;
  readonly upstreamInverseQuirk: boolean;

  constructor(opts: LogitTransformOptions = {}) {
    super();
    this.alpha = opts.alpha ?? 0.05;
    this.eps = opts.eps ?? 1e-6;
    this.upstreamInverseQuirk = opts.upstreamInverseQuirk ?? false;
    if (!(this.alpha > this.eps && this.alpha < 1)) {
      throw new RangeError(`LogitTransform: alpha must lie in (eps, 1), got ${this.alpha}`);
    }
  }

  outputShape(input: ChwShape): ChwShape {
    return input;
  }

  forward(x: tf.Tensor): ForwardResult {
    return tf.tidy(() => {
      const { alpha, eps } = this;
      const p = tf.add(alpha, tf.mul(1 - alpha, x));
      // (1 − p) + ε in this order, as upstream evaluates it in float32: at x = 1 (no dequantization) it is ε.
      const oneMinusPEps = tf.add(tf.sub(1, p), eps);
      const y = tf.log(tf.div(p, oneMinusPEps));
      const perElement = tf.sub(tf.sub(Math.log(1 - alpha), tf.log(oneMinusPEps)), tf.log(tf.add(p, eps)));
      return { y, logabsdet: sumExceptBatch(perElement) };
    });
  }

  inverse(y: tf.Tensor): InverseResult {
    return tf.tidy(() => {
      const { alpha, eps } = this;
      const s = tf.sigmoid(y);
      if (this.upstreamInverseQuirk) {
        const perElement = tf.sub(tf.add(tf.log(tf.add(tf.sub(1, s), eps)), tf.log(tf.add(s, eps))), Math.log(1 - alpha));
        return { x: s, logabsdet: sumExceptBatch(perElement) };
      }
      const p = tf.mul(s, 1 + eps);
      const x = tf.div(tf.sub(p, alpha), 1 - alpha);
      // Negative of the forward log-det at the recovered point, so forward∘inverse log-dets cancel exactly.
      const perElement = tf.sub(tf.add(tf.log(tf.add(tf.sub(1, p), eps)), tf.log(tf.add(p, eps))), Math.log(1 - alpha));
      return { x, logabsdet: sumExceptBatch(perElement) };
    });
  }

  /** Elementwise: the diagonal Jacobian is the derivative of the inverse at the point. */
  linearizeInverse(y: tf.Tensor): Linearization {
    assertSinglePoint(y, 'LogitTransform.linearizeInverse');
    return elementwiseLinearization((v) => this.inverse(v).x, y);
  }
}

export { sumExceptBatch };
