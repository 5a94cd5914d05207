import * as tf from '@tensorflow/tfjs';
import { Module, type StateValue } from '../module.js';
import { assertRank4 } from '../layout.js';
import { assertSinglePoint, linearizeInScope, makeLinearization } from '../linearization.js';
import type { ChwShape, FlowContext, ForwardResult, InverseResult, Linearization, Transform } from '../types.js';

/**
 * ActNorm (nflows): y = exp(s_c)·x + b_c per channel, log|det| = H·W·Σ_c s_c.
 * Data-dependent initialisation on the first forward pass in training mode, with all pixels of the batch
 * pooled per channel: s = −ln std (unbiased), b = −mean(x / std). `initialized` is saved with checkpoints.
 */
export class ActNorm extends Module implements Transform {
  readonly kind = 'actnorm';
  readonly logScale: tf.Variable;
  readonly shift: tf.Variable;
  private initializedFlag = false;

  constructor(readonly features: number) {
    super();
    if (!Number.isInteger(features) || features < 1) throw new RangeError(`ActNorm: features must be a positive integer, got ${features}`);
    this.logScale = this.addParameter('log_scale', tf.zeros([features]));
    this.shift = this.addParameter('shift', tf.zeros([features]));
  }

  get initialized(): boolean {
    return this.initializedFlag;
  }

  /** Mark as initialised without data (e.g. after setting parameters by hand). */
  markInitialized(value = true): void {
    this.initializedFlag = value;
  }

  outputShape(input: ChwShape): ChwShape {
    if (input[0] !== this.features) throw new Error(`ActNorm(${this.features}): input has ${input[0]} channels`);
    return input;
  }

  forward(x: tf.Tensor, ctx?: FlowContext): ForwardResult {
    assertRank4(x, 'ActNorm.forward');
    const [b, h, w, c] = x.shape as [number, number, number, number];
    this.outputShape([c, h, w]);
    if (ctx?.training && !this.initializedFlag) this.initializeFrom(x);
    return tf.tidy(() => {
      const y = tf.add(tf.mul(x, tf.exp(this.logScale)), this.shift);
      const ld = tf.mul(tf.sum(this.logScale), h * w);
      return { y, logabsdet: tf.mul(tf.ones([b]), ld) as tf.Tensor1D };
    });
  }

  inverse(y: tf.Tensor): InverseResult {
    assertRank4(y, 'ActNorm.inverse');
    const [b, h, w, c] = y.shape as [number, number, number, number];
    this.outputShape([c, h, w]);
    return tf.tidy(() => {
      const x = tf.mul(tf.sub(y, this.shift), tf.exp(tf.neg(this.logScale)));
      const ld = tf.mul(tf.sum(this.logScale), -h * w);
      return { x, logabsdet: tf.mul(tf.ones([b]), ld) as tf.Tensor1D };
    });
  }

  /** x = (y − b)·e^{−s}: a per-channel scaling, the same for tangents and cotangents. */
  linearizeInverse(y: tf.Tensor): Linearization {
    assertSinglePoint(y, 'ActNorm.linearizeInverse');
    return linearizeInScope(() => {
      const factor = tf.exp(tf.neg(this.logScale));
      return makeLinearization({
        value: this.inverse(y).x,
        saved: [factor],
        inputShape: y.shape.slice(1),
        jvp: (t) => tf.mul(t, factor),
        vjp: (g) => tf.mul(g, factor),
      });
    });
  }

  /** Data-dependent initialisation from an NHWC batch (no gradient flows through it). */
  initializeFrom(x: tf.Tensor): void {
    const c = x.shape[3]!;
    const n = x.size / c;
    if (n < 2) throw new Error(`ActNorm(${c}): data-dependent initialisation needs at least 2 values per channel, got ${n}`);
    const [logScale, shift] = tf.tidy(() => {
      const flat = tf.reshape(x, [n, c]);
      const mean = tf.mean(flat, 0);
      const variance = tf.div(tf.sum(tf.square(tf.sub(flat, mean)), 0), n - 1);
      const std = tf.sqrt(variance);
      const mu = tf.mean(tf.div(flat, std), 0);
      return [tf.neg(tf.log(std)), tf.neg(mu)];
    });
    this.logScale.assign(logScale);
    this.shift.assign(shift);
    logScale.dispose();
    shift.dispose();
    this.initializedFlag = true;
  }

  protected override ownState(): Record<string, StateValue> {
    return { initialized: this.initializedFlag };
  }

  protected override loadOwnState(state: Record<string, StateValue>, path: string): void {
    const v = state['initialized'];
    if (typeof v !== 'boolean') throw new Error(`state ${path}initialized must be a boolean`);
    this.initializedFlag = v;
  }
}
