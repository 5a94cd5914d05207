import * as tf from '@tensorflow/tfjs';
import type { CustomGradFunc } from './custom-grad.js';
import { groupNormActBackward, groupNormActForward, groupNormOffsetFits, type NormActivation } from '../kernels/webgpu/group-norm-act.js';
import { ownWebGpuKernelsActive } from '../kernels/webgpu/own-kernels-flag.js';
import { outerTapeRecording } from './elementwise.js';
import { silu, siluVjp } from './silu.js';

export type { NormActivation } from '../kernels/webgpu/group-norm-act.js';

export interface GroupNormOptions {
  groups: number;
  eps: number;
  /** Applied to the normalised, scaled and shifted output (default none). */
  activation?: NormActivation;
}

type GroupNormFn = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;
type GroupNormWithOffsetFn = (x: tf.Tensor4D, offset: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;

/** [C, G] indicator of the channels' groups (channel c is in group ⌊c/K⌋): group sums and per-channel broadcasts as tiny products. */
function groupIndicator(c: number, groups: number): tf.Tensor2D {
  const k = c / groups;
  const values = new Float32Array(c * groups);
  for (let i = 0; i < c; i++) values[i * groups + Math.floor(i / k)] = 1;
  return tf.tensor2d(values, [c, groups]);
}

/** Shape-bound helpers of one GroupNorm call on [B, H, W, C]: per-channel and group means, [B, G] → [B, 1, 1, C] broadcasts. */
function groupOps(shape: readonly number[], groups: number) {
  const [b, h, w, c] = shape as [number, number, number, number];
  const indicator = groupIndicator(c, groups);
  const spread = tf.transpose(indicator) as tf.Tensor2D;
  return {
    /**
     * [B, C] means over H·W by one average pool over the whole image (XNNPACK's global pooling on wasm): a
     * reduction over middle axes is a transpose and a reduction there, ≈ 15× slower.
     */
    channelMeans: (t: tf.Tensor) => tf.reshape(tf.avgPool(t as tf.Tensor4D, [h, w], 1, 'valid'), [b, c]) as tf.Tensor2D,
    /** [B, C] per-channel means → [B, G] means of the groups' channels. */
    groupMean: (means: tf.Tensor) => tf.div(tf.matMul(means as tf.Tensor2D, indicator), c / groups),
    /** [B, G] → [B, 1, 1, C], each channel taking its group's value. */
    perChannel: (v: tf.Tensor) => tf.reshape(tf.matMul(v as tf.Tensor2D, spread), [b, 1, 1, c]),
  };
}

/**
 * The vector-Jacobian product of GroupNorm (no activation) at x, in differentiable tfjs ops. With x̂ = (x − μ)·r
 * (two-pass biased variance, r = 1/√(σ² + eps)) and g = dy·γ:
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂)) = dy·rγ − (x − μ)·r³·mean(g·(x − μ)) − r·mean(g),
 *   dγ = Σ dy·x̂,  dβ = Σ dy   (means over the group's positions and channels, sums over samples and positions),
 * all taken from the per-(sample, channel) means of dy and dy·(x − μ). The statistics are recomputed from x, so
 * this is differentiable in x and γ (a Hessian-vector product, a loss on a score Jacobian).
 */
function groupNormVjp(dy: tf.Tensor4D, xs: tf.Tensor4D, gs: tf.Tensor1D, groups: number, eps: number): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [b, h, w, c] = xs.shape;
  const { channelMeans, groupMean, perChannel } = groupOps(xs.shape, groups);
  const centred = tf.sub(xs, perChannel(groupMean(channelMeans(xs))));
  const r = tf.rsqrt(tf.add(groupMean(channelMeans(tf.square(centred))), eps)); // [B, G]
  const dyMeans = channelMeans(dy); // [B, C]
  const dyCentredMeans = channelMeans(tf.mul(dy, centred)); // [B, C]
  const rc = tf.reshape(perChannel(r), [b, c]);
  const dBeta = tf.mul(tf.sum(dyMeans, 0), h * w);
  const dGamma = tf.mul(tf.sum(tf.mul(dyCentredMeans, rc), 0), h * w);
  const meanG = groupMean(tf.mul(dyMeans, gs)); // mean(g)
  const meanGCentred = groupMean(tf.mul(dyCentredMeans, gs)); // mean(g·(x − μ))
  const dyScale = tf.reshape(tf.mul(rc, gs), [b, 1, 1, c]);
  const centredScale = perChannel(tf.mul(tf.mul(tf.mul(r, r), r), meanGCentred));
  const dx = tf.sub(tf.mul(dy, dyScale), tf.add(tf.mul(centred, centredScale), perChannel(tf.mul(r, meanG))));
  return [dx, dGamma, dBeta];
}

/**
 * GroupNorm on NHWC in tfjs ops with its gradient written out. Statistics per (sample, group) come from
 * per-channel means over H·W (channelMeans) and a [C, G] product; full-size ops only broadcast [B, 1, 1, C]
 * operands. tfjs's moments and their gradient reduce over non-contiguous axes and broadcast [B, 1, G, 1]
 * statistics, both slow generic paths on wasm. The backward pass recomputes the statistics from the saved input
 * instead of saving them: tensors made inside a customGrad's forward are invisible to an enclosing tape, so only
 * then is the gradient itself differentiable.
 */
function compositeGroupNorm(groups: number, eps: number): GroupNormFn {
  return tf.customGrad(((x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    const { channelMeans, groupMean, perChannel } = groupOps(x.shape, groups);
    const mean = perChannel(groupMean(channelMeans(x)));
    const r = tf.rsqrt(tf.add(groupMean(channelMeans(tf.squaredDifference(x, mean))), eps));
    const scale = tf.mul(perChannel(r), gamma);
    const value = tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
    save([x, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => groupNormVjp(dy, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor1D, groups, eps),
    };
  }) as unknown as CustomGradFunc) as unknown as GroupNormFn;
}


/**
 * What the fused backward computes, as differentiable tfjs ops (the SiLU's VJP, then GroupNorm's): the fused kernels'
 * gradient where an enclosing tape records it.
 */
function activatedGroupNormVjp(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  groups: number,
  eps: number,
  activation: NormActivation,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const dz = activation === 'silu' ? siluVjp(dy, compositeGroupNorm(groups, eps)(x, gamma, beta)) : dy;
  return groupNormVjp(dz as tf.Tensor4D, x, gamma, groups, eps);
}

/**
 * The engine's fused WebGPU kernels: one dispatch forward, two backward. Their backward is not itself
 * differentiable, so where an enclosing tape records the gradient (second order) it is the tfjs-op VJP instead.
 */
function fusedGroupNorm(groups: number, eps: number, activation: NormActivation): GroupNormFn {
  const shape = { groups, eps, activation };
  return tf.customGrad(((x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    const { y, stats } = groupNormActForward(x, gamma, beta, shape);
    save([x, gamma, beta, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, gs, bs, st] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        if (!outerTapeRecording()) {
          const { dx, dgamma, dbeta } = groupNormActBackward(dy, xs, gs, bs, st, shape);
          return [dx, dgamma, dbeta];
        }
        return activatedGroupNormVjp(dy, xs, gs, bs, groups, eps, activation);
      },
    };
  }) as unknown as CustomGradFunc) as unknown as GroupNormFn;
}

/**
 * The fused kernels' offset variant: GroupNorm(x + offset) with offset [B, C] added as x is read, in the same
 * dispatches as fusedGroupNorm; the offset's gradient (dx summed over positions) comes out of the first backward one.
 */
function fusedGroupNormWithOffset(groups: number, eps: number, activation: NormActivation): GroupNormWithOffsetFn {
  const shape = { groups, eps, activation };
  return tf.customGrad(((x: tf.Tensor4D, offset: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    const { y, stats } = groupNormActForward(x, gamma, beta, shape, offset);
    save([x, offset, gamma, beta, stats]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, os, gs, bs, st] = saved as [tf.Tensor4D, tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
        if (!outerTapeRecording()) {
          const { dx, doffset, dgamma, dbeta } = groupNormActBackward(dy, xs, gs, bs, st, shape, os);
          return [dx, doffset!, dgamma, dbeta];
        }
        const [b, , , c] = xs.shape;
        const sum = tf.add(xs, tf.reshape(os, [b, 1, 1, c])) as tf.Tensor4D;
        const [dx, dGamma, dBeta] = activatedGroupNormVjp(dy, sum, gs, bs, groups, eps, activation);
        return [dx, tf.sum(dx, [1, 2]), dGamma, dBeta];
      },
    };
  }) as unknown as CustomGradFunc) as unknown as GroupNormWithOffsetFn;
}

/**
 * act(GroupNorm(x)·γ + β) on NHWC as torch.nn.GroupNorm (statistics over H, W and the group's channels, biased
 * variance), optionally followed by SiLU. On webgpu with the engine's own kernels on: fused kernels; elsewhere the
 * tfjs ops above, then `silu`.
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, opts: GroupNormOptions): tf.Tensor4D {
  const activation = opts.activation ?? 'none';
  const c = x.shape[3];
  if (c % opts.groups !== 0) throw new RangeError(`GroupNorm: ${opts.groups} groups do not divide ${c} channels`);
  if (ownWebGpuKernelsActive()) return fusedGroupNorm(opts.groups, opts.eps, activation)(x, gamma, beta);
  const y = compositeGroupNorm(opts.groups, opts.eps)(x, gamma, beta);
  return activation === 'silu' ? (silu(y) as tf.Tensor4D) : y;
}

/**
 * groupNorm(x + offset) with offset [B, C] added to every position of its sample and channel (a resnet's time
 * projection). On webgpu with the engine's kernels, where the group's channel count allows (groupNormOffsetFits),
 * the sum is never formed: the fused kernels add the offset as they read x and return its gradient with dx, two
 * dispatches fewer per call than the add, its reduction and groupNorm. Elsewhere exactly those ops.
 */
export function groupNormWithOffset(x: tf.Tensor4D, offset: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, opts: GroupNormOptions): tf.Tensor4D {
  const [b, , , c] = x.shape;
  if (offset.rank !== 2 || offset.shape[0] !== b || offset.shape[1] !== c) {
    throw new RangeError(`GroupNorm: the offset must be [${b}, ${c}] (one value per sample and channel), got [${offset.shape.join(', ')}]`);
  }
  if (c % opts.groups !== 0) throw new RangeError(`GroupNorm: ${opts.groups} groups do not divide ${c} channels`);
  if (ownWebGpuKernelsActive() && groupNormOffsetFits(x.shape, opts.groups)) {
    return fusedGroupNormWithOffset(opts.groups, opts.eps, opts.activation ?? 'none')(x, offset, gamma, beta);
  }
  return groupNorm(tf.add(x, tf.reshape(offset, [b, 1, 1, c])) as tf.Tensor4D, gamma, beta, opts);
}
