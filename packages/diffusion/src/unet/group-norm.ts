import * as tf from '@tensorflow/tfjs';
import { Module } from '@dgm-ood/engine/module';
import type { CustomGradFunc } from './layers.js';

/** [C, G] indicator of the channels' groups (channel c is in group ⌊c/K⌋): group sums and per-channel broadcasts as tiny products. */
function groupIndicator(c: number, groups: number): tf.Tensor2D {
  const k = c / groups;
  const values = new Float32Array(c * groups);
  for (let i = 0; i < c; i++) values[i * groups + Math.floor(i / k)] = 1;
  return tf.tensor2d(values, [c, groups]);
}

/**
 * Per-(sample, channel) sums over the N positions of t ([B, N, C] in any shape of that size), as ones-row
 * products: a reduction over a middle axis is a transpose and a reduction on wasm, ≈ 4× slower. Chunks of
 * at most 16384/C rows keep each product below the size at which the engine's wasm BatchMatMul turns a batch
 * into a loop of XNNPACK calls (slow for one-row products); a second product adds the chunks.
 */
function channelSums(t: tf.Tensor, b: number, n: number, c: number): tf.Tensor2D {
  let rows = Math.max(1, Math.floor(16384 / c));
  while (n % rows !== 0) rows--;
  const chunks = n / rows;
  const partial = tf.matMul(tf.ones([b * chunks, 1, rows]) as tf.Tensor3D, tf.reshape(t, [b * chunks, rows, c]) as tf.Tensor3D);
  if (chunks === 1) return tf.reshape(partial, [b, c]);
  return tf.reshape(tf.matMul(tf.ones([b, 1, chunks]) as tf.Tensor3D, tf.reshape(partial, [b, chunks, c]) as tf.Tensor3D), [b, c]);
}

/** Shape-bound helpers of one GroupNorm call: group means of full-size tensors, [B, G] → [B, 1, 1, C] broadcasts. */
function groupOps(shape: readonly number[], groups: number) {
  const [b, h, w, c] = shape as [number, number, number, number];
  const n = h * w;
  const count = (n * c) / groups;
  const indicator = groupIndicator(c, groups);
  const spread = tf.transpose(indicator) as tf.Tensor2D;
  return {
    channelSums: (t: tf.Tensor) => channelSums(t, b, n, c),
    /** [B, C] per-channel sums → [B, G] group means. */
    groupMean: (sums: tf.Tensor) => tf.div(tf.matMul(sums as tf.Tensor2D, indicator), count),
    /** [B, G] → [B, 1, 1, C], each channel taking its group's value. */
    perChannel: (v: tf.Tensor) => tf.reshape(tf.matMul(v as tf.Tensor2D, spread), [b, 1, 1, c]),
  };
}

/**
 * GroupNorm on NHWC with its gradient written out. Statistics per (sample, group) come from per-channel sums
 * over H·W (channelSums) and a [C, G] product; full-size ops only broadcast [B, 1, 1, C] operands. tfjs's
 * moments and their gradient reduce over non-contiguous axes and broadcast [B, 1, G, 1] statistics, both slow
 * generic paths on wasm. With x̂ = (x − μ)·r (two-pass biased variance, r = 1/√(σ² + eps)) and g = dy·γ:
 *   y = x·(rγ) + (β − μ·rγ),
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂)) = dy·rγ − (x − μ)·r³·mean(g·(x − μ)) − r·mean(g),
 *   dγ = Σ dy·x̂,  dβ = Σ dy   (means over the group's positions and channels, sums over samples and positions),
 * where every mean and sum is taken from the per-(sample, channel) sums of dy and dy·(x − μ).
 * The backward pass recomputes the statistics from the saved input instead of saving them: tensors made inside
 * a customGrad's forward are invisible to an enclosing tape, so only then is the gradient itself differentiable
 * in x and γ (a Hessian-vector product, a loss on a score Jacobian).
 */
function groupNormOp(groups: number, eps: number): (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D {
  return tf.customGrad(((x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    const { channelSums: sums, groupMean, perChannel } = groupOps(x.shape, groups);
    const mean = perChannel(groupMean(sums(x)));
    const r = tf.rsqrt(tf.add(groupMean(sums(tf.squaredDifference(x, mean))), eps));
    const scale = tf.mul(perChannel(r), gamma);
    const value = tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
    save([x, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, gs] = saved as [tf.Tensor4D, tf.Tensor1D];
        const { channelSums: sums, groupMean, perChannel } = groupOps(xs.shape, groups);
        const centred = tf.sub(xs, perChannel(groupMean(sums(xs))));
        const r = tf.rsqrt(tf.add(groupMean(sums(tf.square(centred))), eps)); // [B, G]
        const dySums = sums(dy); // [B, C]
        const dyCentredSums = sums(tf.mul(dy, centred)); // [B, C]
        const rc = tf.reshape(perChannel(r), [xs.shape[0], xs.shape[3]]); // [B, C]
        const dBeta = tf.sum(dySums, 0);
        const dGamma = tf.sum(tf.mul(dyCentredSums, rc), 0);
        const meanG = groupMean(tf.mul(dySums, gs)); // mean(g)
        const meanGCentred = groupMean(tf.mul(dyCentredSums, gs)); // mean(g·(x − μ))
        const dyScale = tf.reshape(tf.mul(rc, gs), [xs.shape[0], 1, 1, xs.shape[3]]);
        const centredScale = perChannel(tf.mul(tf.mul(tf.mul(r, r), r), meanGCentred));
        const dx = tf.sub(tf.mul(dy, dyScale), tf.add(tf.mul(centred, centredScale), perChannel(tf.mul(r, meanG))));
        return [dx, dGamma, dBeta];
      },
    };
  }) as unknown as CustomGradFunc) as unknown as (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;
}

/** torch.nn.GroupNorm(groups, channels, eps, affine) on NHWC: statistics over (H, W, the channels of a group), biased variance. */
export class GroupNorm extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  private readonly op: ReturnType<typeof groupNormOp>;

  constructor(readonly groups: number, readonly channels: number, readonly eps: number) {
    super();
    if (channels % groups !== 0) throw new RangeError(`GroupNorm: ${groups} groups do not divide ${channels} channels`);
    this.weight = this.addParameter('weight', tf.ones([channels]));
    this.bias = this.addParameter('bias', tf.zeros([channels]));
    this.op = groupNormOp(groups, eps);
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return this.op(x, this.weight as unknown as tf.Tensor1D, this.bias as unknown as tf.Tensor1D);
  }
}
