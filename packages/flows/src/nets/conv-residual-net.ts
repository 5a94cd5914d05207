import * as tf from '@tensorflow/tfjs';
import { conv2dBias, matMulBias, relu } from '@dgm-ood/engine';
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

  /**
   * Output pixels depend only on input pixels within this Chebyshev distance: one per 3×3 convolution (the
   * 1×1 projections and ReLUs are per pixel).
   */
  get receptiveRadius(): number {
    return 2 * this.numBlocks;
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

  /**
   * applySplit linearised at one input x [1,H,W,in] (eval mode): the slot outputs there, and products of
   * their Jacobian with many vectors at once. With the ReLU masks of the point fixed the net is linear, so a
   * tangent or cotangent batch only goes through the convolutions (transposed for cotangents) and the masks:
   * no forward pass per vector.
   */
  linearizeSplit(x: tf.Tensor, period: number, slots: Array<{ offset: number; size: number }>): SplitLinearization {
    if (x.shape[0] !== 1) throw new Error(`ConvResidualNet.linearizeSplit: linearizes at one point (batch 1), got batch ${x.shape[0]}`);
    const groups = this.outChannels / period;
    if (!Number.isInteger(groups)) throw new Error(`ConvResidualNet.linearizeSplit: ${this.outChannels} outputs are not groups of ${period}`);
    const [, hh, ww] = x.shape as [number, number, number, number];
    const hidden = this.hiddenChannels;
    const onePixel = hh === 1 && ww === 1;
    const saved = tf.tidy(() => {
      const masks: tf.Tensor[] = [];
      const h = this.trunk(x, undefined, masks);
      const w3 = tf.reshape(this.finalW, [hidden, groups, period]);
      const b2 = tf.reshape(this.finalB, [groups, period]);
      const slotWeights = slots.map(({ offset, size }) => tf.reshape(tf.slice(w3, [0, 0, offset], [hidden, groups, size]), [hidden, groups * size]));
      const values = slots.map(({ offset, size }, i) =>
        this.project(h, [1, hh, ww], slotWeights[i]!, tf.reshape(tf.slice(b2, [0, offset], [groups, size]), [groups * size]), groups * size),
      );
      // 3×3 kernels as used by the products: the centre tap [h, h] on 1×1 maps (a dense layer), else the full kernel.
      const kernels = this.blocks.map((b) => [b.w0, b.w1].map((w) => (onePixel ? centreTap(w, this.centreTapOnly, hidden) : tf.clone(w))));
      return { masks, slotWeights, values, kernels };
    });
    const owned = [...saved.masks, ...saved.slotWeights, ...saved.values, ...saved.kernels.flat()];
    owned.push(tf.reshape(this.initialW, [this.inChannels, hidden]));
    const initialW = owned[owned.length - 1]!;
    // Kept: an enclosing tidy must not free them while the linearization lives.
    for (const t of owned) tf.keep(t);
    const rowsOf = (t: tf.Tensor) => tf.reshape(t, [t.size / t.shape[3]!, t.shape[3]!]);
    const conv = (t: tf.Tensor, kernel: tf.Tensor, transpose: boolean): tf.Tensor => {
      const [r] = t.shape as [number, number, number, number];
      if (onePixel) return tf.reshape(tf.matMul(tf.reshape(t, [r, hidden]), kernel, false, transpose), [r, 1, 1, hidden]);
      return transpose
        ? tf.conv2dTranspose(t as tf.Tensor4D, kernel as tf.Tensor4D, [r, hh, ww, hidden], 1, 'same')
        : tf.conv2d(t as tf.Tensor4D, kernel as tf.Tensor4D, 1, 'same');
    };
    let disposed = false;
    return {
      values: saved.values as tf.Tensor4D[],
      jvp: (t: tf.Tensor) =>
        tf.tidy(() => {
          const r = t.shape[0]!;
          let h: tf.Tensor = tf.reshape(tf.matMul(rowsOf(t), initialW), [r, hh, ww, hidden]);
          this.blocks.forEach((_, i) => {
            let u = conv(tf.mul(h, saved.masks[2 * i]!), saved.kernels[i]![0]!, false);
            u = conv(tf.mul(u, saved.masks[2 * i + 1]!), saved.kernels[i]![1]!, false);
            h = tf.add(h, u);
          });
          const rows = rowsOf(h);
          return saved.slotWeights.map((w) => tf.reshape(tf.matMul(rows, w), [r, hh, ww, w.shape[1]!]) as tf.Tensor4D);
        }),
      vjp: (gs: tf.Tensor[]) =>
        tf.tidy(() => {
          if (gs.length !== slots.length) throw new Error(`ConvResidualNet.linearizeSplit vjp: expected ${slots.length} cotangents, got ${gs.length}`);
          const r = gs[0]!.shape[0]!;
          let g: tf.Tensor = gs.map((gi, i) => tf.matMul(rowsOf(gi), saved.slotWeights[i]!, false, true)).reduce((a, b) => tf.add(a, b));
          g = tf.reshape(g, [r, hh, ww, hidden]);
          for (let i = this.blocks.length - 1; i >= 0; i--) {
            let u = tf.mul(conv(g, saved.kernels[i]![1]!, true), saved.masks[2 * i + 1]!);
            u = tf.mul(conv(u, saved.kernels[i]![0]!, true), saved.masks[2 * i]!);
            g = tf.add(g, u);
          }
          return tf.reshape(tf.matMul(rowsOf(g), initialW, false, true), [r, hh, ww, this.inChannels]) as tf.Tensor4D;
        }),
      dispose: () => {
        if (disposed) return;
        disposed = true;
        tf.dispose(owned);
      },
    };
  }

  /**
   * Input 1×1 conv and the residual blocks: [B,H,W,in] → [B,H,W,hidden]. With `masks`, records the derivative
   * of each ReLU (1 where its input is > 0, as tfjs's ReLU gradient) in order: per block, before each 3×3 conv.
   */
  private trunk(x: tf.Tensor, ctx?: FlowContext, masks?: tf.Tensor[]): tf.Tensor4D {
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
      return conv2dBias(t as tf.Tensor4D, w as unknown as tf.Tensor4D, bias as unknown as tf.Tensor1D, 'same');
    };
    let h: tf.Tensor = this.project(x, [b, hh, ww], this.initialW, this.initialB, hidden);
    for (const blk of this.blocks) {
      masks?.push(tf.step(h));
      let t: tf.Tensor;
      if (masks === undefined && !onePixel) {
        // relu(conv + bias) in one op (one dispatch on webgpu).
        t = conv2dBias(relu(h) as tf.Tensor4D, blk.w0 as unknown as tf.Tensor4D, blk.b0 as unknown as tf.Tensor1D, 'same', 'relu');
      } else {
        t = conv3x3(tf.relu(h), blk.w0, blk.b0);
        masks?.push(tf.step(t));
        t = tf.relu(t);
      }
      if (training && this.dropout > 0) t = tf.dropout(t, this.dropout, undefined, ctx?.seeds?.next());
      t = conv3x3(t, blk.w1, blk.b1);
      h = tf.add(h, t);
    }
    return h as tf.Tensor4D;
  }

  /** 1×1 convolution as a matMul over pixels. */
  private project(t: tf.Tensor, [b, hh, ww]: [number, number, number], w: tf.Tensor, bias: tf.Tensor, cout: number): tf.Tensor4D {
    const cin = t.shape[3]!;
    return tf.reshape(matMulBias(tf.reshape(t, [b * hh * ww, cin]), tf.reshape(w, [cin, cout]), bias as tf.Tensor1D), [b, hh, ww, cout]);
  }
}

/** applySplit linearised at one point: the slot outputs, and Jacobian products for batches of vectors. */
export interface SplitLinearization {
  /** The slot outputs at the point, each [1,H,W,groups·size]. */
  readonly values: tf.Tensor4D[];
  /** Input tangents [R,H,W,in] → one tangent per slot, [R,H,W,groups·size]. */
  jvp(t: tf.Tensor): tf.Tensor4D[];
  /** One cotangent per slot, [R,H,W,groups·size] → input cotangents [R,H,W,in]. */
  vjp(gs: tf.Tensor[]): tf.Tensor4D;
  dispose(): void;
}

/** The centre tap of a 3×3 kernel as an [h, h] matrix (kernels stored centre-only are that already). */
function centreTap(w: tf.Tensor, centreOnly: boolean, hidden: number): tf.Tensor2D {
  return centreOnly ? tf.reshape(w, [hidden, hidden]) : tf.reshape(tf.slice(w, [1, 1, 0, 0], [1, 1, hidden, hidden]), [hidden, hidden]);
}
