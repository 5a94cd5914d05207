import * as tf from '@tensorflow/tfjs';
import { Module } from '../module.js';
import { Rng } from '../random.js';
import type { FlowContext } from '../types.js';

export interface ConvResidualNetOptions {
  inChannels: number;
  outChannels: number;
  hiddenChannels: number;
  numBlocks?: number;
  /** Dropout probability inside each block, active in training mode only. Reference: 0.2. */
  dropout?: number;
  /** Seed of the initial weights. */
  seed?: number;
  /**
   * The net will only see 1×1 feature maps (level 3 of the multiscale flows). A 3×3 conv with zero padding on
   * a 1×1 map only uses its centre tap, so only that tap is stored ([1, 1, h, h], initialised as the centre
   * of a PyTorch-default 3×3 kernel, fan_in = 9h): the same function and the same training dynamics for every
   * weight that matters, without the 8 dead taps (for hidden 1024 they are 8/9 of the model: 600 MB → 67 MB).
   */
  centreTapOnly?: boolean;
}

/**
 * nflows ConvResidualNet without batch norm and without context:
 *   conv1×1(in→hidden) → numBlocks × [h + conv3×3(dropout(relu(conv3×3(relu(h)))))] → conv1×1(hidden→out).
 * Weights are HWIO ([kh, kw, in, out], tfjs's layout). Initialisation follows PyTorch's Conv2d default
 * (weights and biases ~U(±1/√fan_in)), except the second 3×3 conv of each block: ~U(±1e-3).
 * 1×1 convs run as matMuls; a 3×3 conv on a 1×1 map (zero padding) only sees its centre tap, so it runs as a
 * matMul with that tap: same result, a ninth of the work (level 3 of the multiscale flows).
 */
export class ConvResidualNet extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly hiddenChannels: number;
  readonly numBlocks: number;
  readonly dropout: number;
  readonly centreTapOnly: boolean;
  private readonly initialW: tf.Variable;
  private readonly initialB: tf.Variable;
  private readonly blocks: Array<{ w0: tf.Variable; b0: tf.Variable; w1: tf.Variable; b1: tf.Variable }> = [];
  private readonly finalW: tf.Variable;
  private readonly finalB: tf.Variable;

  constructor(opts: ConvResidualNetOptions) {
    super();
    const { inChannels, outChannels, hiddenChannels } = opts;
    for (const [k, v] of Object.entries({ inChannels, outChannels, hiddenChannels })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`ConvResidualNet: ${k} must be a positive integer, got ${v}`);
    }
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.hiddenChannels = hiddenChannels;
    this.numBlocks = opts.numBlocks ?? 2;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new RangeError(`ConvResidualNet: dropout must lie in [0, 1), got ${this.dropout}`);
    this.centreTapOnly = opts.centreTapOnly ?? false;
    const rng = new Rng(opts.seed ?? 0);
    const k = this.centreTapOnly ? 1 : 3;
    const h = hiddenChannels;
    const torchDefault = (shape: number[], fanIn: number): tf.Tensor => {
      const bound = 1 / Math.sqrt(fanIn);
      return tf.tensor(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -bound, bound), shape);
    };
    const small = (shape: number[]): tf.Tensor =>
      tf.tensor(rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1e-3, 1e-3), shape);
    this.initialW = this.addParameter('initial.weight', torchDefault([1, 1, inChannels, h], inChannels));
    this.initialB = this.addParameter('initial.bias', torchDefault([h], inChannels));
    for (let i = 0; i < this.numBlocks; i++) {
      const w0 = this.addParameter(`blocks.${i}.conv0.weight`, torchDefault([k, k, h, h], 9 * h));
      const b0 = this.addParameter(`blocks.${i}.conv0.bias`, torchDefault([h], 9 * h));
      const w1 = this.addParameter(`blocks.${i}.conv1.weight`, small([k, k, h, h]));
      const b1 = this.addParameter(`blocks.${i}.conv1.bias`, small([h]));
      this.blocks.push({ w0, b0, w1, b1 });
    }
    this.finalW = this.addParameter('final.weight', torchDefault([1, 1, h, outChannels], h));
    this.finalB = this.addParameter('final.bias', torchDefault([outChannels], h));
  }

  /** NHWC [B,H,W,in] → NHWC [B,H,W,out]. */
  apply(x: tf.Tensor, ctx?: FlowContext): tf.Tensor4D {
    return tf.tidy(() => {
      const h = this.trunk(x, ctx);
      const [b, hh, ww] = x.shape as [number, number, number, number];
      return this.project(h, [b, hh, ww], this.finalW, this.finalB, this.outChannels);
    });
  }

  /**
   * The output channels as separate tensors, one per slot: with the output viewed as `groups` groups of
   * `period` channels (channel g·period + p), slot i is channels {g·period + offset_i + j : j < size_i} of every
   * group g, as a tensor [B,H,W, groups·size_i] ordered (g, j). Equal to slicing apply()'s output, but the
   * slicing happens on the small final weight matrix instead of on the activations.
   */
  applySplit(x: tf.Tensor, ctx: FlowContext | undefined, period: number, slots: Array<{ offset: number; size: number }>): tf.Tensor4D[] {
    const groups = this.outChannels / period;
    if (!Number.isInteger(groups)) throw new Error(`ConvResidualNet.applySplit: ${this.outChannels} outputs are not groups of ${period}`);
    return tf.tidy(() => {
      const h = this.trunk(x, ctx);
      const [b, hh, ww] = x.shape as [number, number, number, number];
      const hidden = this.hiddenChannels;
      const w3 = tf.reshape(this.finalW, [hidden, groups, period]);
      const b2 = tf.reshape(this.finalB, [groups, period]);
      return slots.map(({ offset, size }) => {
        const w = tf.reshape(tf.slice(w3, [0, 0, offset], [hidden, groups, size]), [1, 1, hidden, groups * size]);
        const bias = tf.reshape(tf.slice(b2, [0, offset], [groups, size]), [groups * size]);
        return this.project(h, [b, hh, ww], w, bias, groups * size);
      });
    });
  }

  /** Input 1×1 conv and the residual blocks: [B,H,W,in] → [B,H,W,hidden]. */
  private trunk(x: tf.Tensor, ctx?: FlowContext): tf.Tensor4D {
    const [b, hh, ww, c] = x.shape as [number, number, number, number];
    if (c !== this.inChannels) throw new Error(`ConvResidualNet: expected ${this.inChannels} input channels, got ${c}`);
    const training = ctx?.training ?? false;
    const onePixel = hh === 1 && ww === 1;
    if (this.centreTapOnly && !onePixel) throw new Error(`ConvResidualNet: built for 1×1 maps (centre tap only), got ${hh}×${ww}`);
    const hidden = this.hiddenChannels;
    const conv3x3 = (t: tf.Tensor, w: tf.Variable, bias: tf.Variable) => {
      if (onePixel) {
        const centre = this.centreTapOnly ? tf.reshape(w, [hidden, hidden]) : tf.reshape(tf.slice(w, [1, 1, 0, 0], [1, 1, hidden, hidden]), [hidden, hidden]);
        return tf.reshape(tf.add(tf.matMul(tf.reshape(t, [b, hidden]), centre), bias), [b, 1, 1, hidden]);
      }
      return tf.add(tf.conv2d(t as tf.Tensor4D, w as unknown as tf.Tensor4D, 1, 'same'), bias);
    };
    let h: tf.Tensor = this.project(x, [b, hh, ww], this.initialW, this.initialB, hidden);
    for (const blk of this.blocks) {
      let t = conv3x3(tf.relu(h), blk.w0, blk.b0);
      t = tf.relu(t);
      if (training && this.dropout > 0) t = tf.dropout(t, this.dropout, undefined, ctx?.seeds?.next());
      t = conv3x3(t, blk.w1, blk.b1);
      h = tf.add(h, t);
    }
    return h as tf.Tensor4D;
  }

  /** 1×1 convolution as a matMul over pixels. */
  private project(t: tf.Tensor, [b, hh, ww]: [number, number, number], w: tf.Tensor, bias: tf.Tensor, cout: number): tf.Tensor4D {
    const cin = t.shape[3]!;
    return tf.reshape(tf.add(tf.matMul(tf.reshape(t, [b * hh * ww, cin]), tf.reshape(w, [cin, cout])), bias), [b, hh, ww, cout]);
  }
}
