import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@dgm-ood/engine/rng';
import { Module } from '@dgm-ood/engine/module';
import { GroupNorm } from './group-norm.js';
import { matMulBias } from '@dgm-ood/engine';
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
    const scale = 1 / Math.sqrt(d);
    const q = matMulBias(rows, tf.mul(this.toQ.weight, scale), tf.mul(this.toQ.bias, scale));
    // [B·N, C] → [B·heads, N, d]: channel j·d + i is element i of head j, as in diffusers' head_to_batch_dim.
    const split = (y: tf.Tensor): tf.Tensor3D =>
      heads === 1 ? tf.reshape(y, [b, n, d]) : tf.reshape(tf.transpose(tf.reshape(y, [b, n, heads, d]), [0, 2, 1, 3]), [b * heads, n, d]);
    const probs = tf.softmax(tf.matMul(split(q), split(this.toK.apply(rows)), false, true));
    const o = tf.matMul(probs, split(this.toV.apply(rows)));
    const merged = heads === 1 ? tf.reshape(o, [b * n, c]) : tf.reshape(tf.transpose(tf.reshape(o, [b, heads, n, d]), [0, 2, 1, 3]), [b * n, c]);
    return tf.add(x, tf.reshape(this.toOut.apply(merged as tf.Tensor2D), [b, h, w, c]));
  }
}
