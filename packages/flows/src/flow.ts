import * as tf from '@tensorflow/tfjs';
import { StandardNormal } from './base-distribution.js';
import { Module } from './module.js';
import type { LogitTransform } from './transforms/logit.js';
import type { MultiscaleLinearization, MultiscaleTransform } from './transforms/multiscale.js';
import type { ChwShape, FlowContext, Linearization } from './types.js';

/**
 * The bijection f = multiscale ∘ logit from x̃ (NHWC, in [0,1]) to the latent z [B, D], with a standard-normal
 * base: log p(x̃) = log N(f(x̃)) + log|det ∂f/∂x̃|.
 */
export class Flow extends Module {
  readonly logit: LogitTransform | null;
  readonly body: MultiscaleTransform;
  readonly base: StandardNormal;
  readonly inputShape: ChwShape;

  constructor(body: MultiscaleTransform, logit: LogitTransform | null) {
    super();
    this.logit = logit;
    this.body = this.addChild('levels', body);
    if (logit) this.addChild('logit', logit);
    this.inputShape = body.inputShape;
    this.base = new StandardNormal(body.latentSize);
  }

  get latentSize(): number {
    return this.body.latentSize;
  }

  /** x̃ → z, log|det ∂z/∂x̃|. */
  forward(x: tf.Tensor, ctx?: FlowContext): { z: tf.Tensor2D; logabsdet: tf.Tensor1D } {
    return tf.tidy(() => {
      if (!this.logit) return this.body.forward(x, ctx);
      const l = this.logit.forward(x);
      const r = this.body.forward(l.y, ctx);
      return { z: r.z, logabsdet: tf.add(l.logabsdet, r.logabsdet) };
    });
  }

  /** z → x̃, log|det ∂x̃/∂z|. */
  inverse(z: tf.Tensor, ctx?: FlowContext): { x: tf.Tensor4D; logabsdet: tf.Tensor1D } {
    return tf.tidy(() => {
      const r = this.body.inverse(z, ctx);
      if (!this.logit) return r;
      const l = this.logit.inverse(r.x);
      return { x: l.x as tf.Tensor4D, logabsdet: tf.add(r.logabsdet, l.logabsdet) };
    });
  }

  /**
   * The inverse (the decoder z → x̃) linearised at one latent z [1, D]: value x̃ [1,H,W,C], products with
   * ∂x̃/∂z for batches of vectors, and all its columns at once (jvpIdentity). Eval mode.
   */
  linearizeInverse(z: tf.Tensor): MultiscaleLinearization {
    const body = this.body.linearizeInverse(z);
    if (!this.logit) return body;
    let logit: Linearization;
    try {
      logit = this.logit.linearizeInverse(body.value);
    } catch (error) {
      body.dispose();
      throw error;
    }
    return {
      value: logit.value,
      jvp: (t) => tf.tidy(() => logit.jvp(body.jvp(t))),
      vjp: (g) => tf.tidy(() => body.vjp(logit.vjp(g))),
      jvpIdentity: () => tf.tidy(() => logit.jvp(body.jvpIdentity())),
      dispose: () => {
        logit.dispose();
        body.dispose();
      },
    };
  }

  /**
   * The decoder Jacobian J = ∂x̃/∂z at one latent z [1, D], transposed: [D, D_x] with row j = ∂x̃/∂z_j (x̃
   * flattened in NHWC order). Exact up to float32 rounding, built layer by layer (see linearizeInverse).
   */
  inverseJacobianTransposed(z: tf.Tensor): tf.Tensor2D {
    const lin = this.linearizeInverse(z);
    try {
      return tf.tidy(() => {
        const columns = lin.jvpIdentity();
        return tf.reshape(columns, [columns.shape[0]!, columns.size / columns.shape[0]!]) as tf.Tensor2D;
      });
    } finally {
      lin.dispose();
    }
  }

  /** log p(x̃) in nats, per sample [B]. */
  logProb(x: tf.Tensor, ctx?: FlowContext): tf.Tensor1D {
    return tf.tidy(() => {
      const { z, logabsdet } = this.forward(x, ctx);
      return tf.add(this.base.logProb(z), logabsdet);
    });
  }
}
