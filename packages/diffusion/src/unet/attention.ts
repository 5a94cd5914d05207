import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@dgm-ood/engine/rng';
import { Module } from '@dgm-ood/engine/module';
import { GroupNorm } from './group-norm.js';
import { matMulBias, ownWebGpuKernelsActive } from '@dgm-ood/engine';
import { Linear } from './layers.js';

/**
 * diffusers' spatial self-attention as UNet2DModel builds it (`Attention` with group_norm, bias on q/k/v,
 * residual_connection, rescale_output_factor 1): x + to_out(MHA(GN(x))) over the H·W positions, with
 * channels / headDim heads of width headDim and softmax(QKᵀ/√headDim)·V. to_out.0 is the projection
 * (to_out.1 is a parameter-free dropout in diffusers).
 * The 1/√headDim is folded into the query weights (a [C, C] product instead of one on the [B·heads, N, N] scores).
 */
export class SpatialAttention extends Module {
  readonly groupNorm: GroupNorm;
  readonly toQ: Linear;
  readonly toK: Linear;
  readonly toV: Linear;
  readonly toOut: Linear;
  readonly heads: number;

  constructor(readonly channels: number, readonly headDim: number, groups: number, eps: number, rng: Rng) {
    super();
    if (channels % headDim !== 0) throw new RangeError(`SpatialAttention: head width ${headDim} does not divide ${channels} channels`);
    this.heads = channels / headDim;
    this.groupNorm = this.addChild('group_norm', new GroupNorm(groups, channels, eps));
    this.toQ = this.addChild('to_q', new Linear(channels, channels, rng));
    this.toK = this.addChild('to_k', new Linear(channels, channels, rng));
    this.toV = this.addChild('to_v', new Linear(channels, channels, rng));
    this.toOut = this.addChild('to_out.0', new Linear(channels, channels, rng));
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    const n = h * w;
    const heads = this.heads;
    const d = this.headDim;
    const rows = tf.reshape(this.groupNorm.apply(x), [b * n, c]) as tf.Tensor2D;
    const [q, k, v] = ownWebGpuKernelsActive() ? this.headsOneProduct(rows, b, n) : this.headsThreeProducts(rows, b, n);
    const probs = tf.softmax(tf.matMul(q, k, false, true));
    const o = tf.matMul(probs, v);
    const merged = heads === 1 ? tf.reshape(o, [b * n, c]) : tf.reshape(tf.transpose(tf.reshape(o, [b, heads, n, d]), [0, 2, 1, 3]), [b * n, c]);
    return tf.add(x, tf.reshape(this.toOut.apply(merged as tf.Tensor2D), [b, h, w, c]));
  }

  /** q·1/√d, k, v as [B·heads, N, d]: channel j·d + i is element i of head j, as in diffusers' head_to_batch_dim. */
  private headsThreeProducts(rows: tf.Tensor2D, b: number, n: number): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] {
    const { heads, headDim: d } = this;
    const scale = 1 / Math.sqrt(d);
    const split = (y: tf.Tensor): tf.Tensor3D =>
      heads === 1 ? tf.reshape(y, [b, n, d]) : tf.reshape(tf.transpose(tf.reshape(y, [b, n, heads, d]), [0, 2, 1, 3]), [b * heads, n, d]);
    const q = matMulBias(rows, tf.mul(this.toQ.weight, scale), tf.mul(this.toQ.bias, scale));
    return [split(q), split(this.toK.apply(rows)), split(this.toV.apply(rows))];
  }

  /**
   * The same from one [B·N, C]·[C, 3C] product (webgpu with the engine's kernels): one transpose to heads for all
   * three and one split (one dispatch there), and one product, one weight and one bias gradient backward where
   * three of each and the sum of three input gradients were. Elsewhere (wasm) the three products are kept.
   */
  private headsOneProduct(rows: tf.Tensor2D, b: number, n: number): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] {
    const { heads, headDim: d, channels: c } = this;
    const scale = 1 / Math.sqrt(d);
    const weight = tf.concat([tf.mul(this.toQ.weight, scale), this.toK.weight, this.toV.weight], 1) as tf.Tensor2D;
    const bias = tf.concat([tf.mul(this.toQ.bias, scale), this.toK.bias, this.toV.bias], 0) as tf.Tensor1D;
    const qkv = matMulBias(rows, weight, bias); // [B·N, 3C]: q, k, v side by side
    const parts =
      heads === 1
        ? tf.split(tf.reshape(qkv, [b, n, 3 * c]), 3, 2)
        : tf.split(tf.transpose(tf.reshape(qkv, [b, n, 3, heads, d]), [2, 0, 3, 1, 4]), 3, 0).map((p) => tf.reshape(p, [b * heads, n, d]));
    return parts as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
  }
}
