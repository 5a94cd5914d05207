import * as tf from '@tensorflow/tfjs';
import { Module } from '@dgm-ood/engine/module';
import type { CustomGradFunc } from './layers.js';

/** Centred x and 1/σ per (sample, group), both [B, N, G, K] / [B, 1, G, K]: K-wide so later products broadcast cheaply. */
function groupStatistics(x: tf.Tensor4D, groups: number, eps: number): { centred: tf.Tensor; r: tf.Tensor } {
  const [b, h, w, c] = x.shape;
  const k = c / groups;
  const ones = tf.ones([1, 1, 1, k]);
  const xg = tf.reshape(x, [b, h * w, groups, k]);
  const centred = tf.sub(xg, tf.mul(tf.mean(xg, [1, 3], true), ones));
  const r = tf.mul(tf.rsqrt(tf.add(tf.mean(tf.square(centred), [1, 3], true), eps)), ones);
  return { centred, r };
}

/**
 * GroupNorm on NHWC viewed as [B, N = H·W, G, K = C/G], with its gradient written out. tfjs's gradient of the
 * moments broadcasts [B, 1, G, 1] statistics against the full tensor many times (a slow generic broadcast on
 * wasm); here full-size ops broadcast [B, 1, G, K] or [1, 1, G, K] operands only. With x̂ = (x − μ)·r, g = dy·γ:
 *   dx = r·(g − mean(g) − x̂·mean(g·x̂)),  dγ = Σ dy·x̂,  dβ = Σ dy   (means over N and K, sums over B and N).
 * The backward pass recomputes the statistics from the saved input instead of saving them: tensors made inside
 * a customGrad's forward are invisible to an enclosing tape, so only then is the gradient itself differentiable
 * in x and γ (a Hessian-vector product, a loss on a score Jacobian). That costs four full-size ops; a training
 * step of the CPU preset is still ≈5% faster than with tfjs's own gradient (≈10% when saving them).
 */
function groupNormOp(groups: number, eps: number): (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D {
  return tf.customGrad(((x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, save: (ts: tf.Tensor[]) => void) => {
    const [b, h, w, c] = x.shape;
    const perGroup = [1, 1, groups, c / groups];
    const { centred, r } = groupStatistics(x, groups, eps);
    const value = tf.reshape(tf.add(tf.mul(centred, tf.mul(r, tf.reshape(gamma, perGroup))), tf.reshape(beta, perGroup)), x.shape);
    save([x, gamma]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, gs] = saved as [tf.Tensor4D, tf.Tensor1D];
        const { centred: d, r: rs } = groupStatistics(xs, groups, eps);
        const onesK = tf.ones([1, 1, 1, c / groups]);
        const dyg = tf.reshape(dy, [b, h * w, groups, c / groups]);
        const xhat = tf.mul(d, rs);
        const dBeta = tf.reshape(tf.sum(dyg, [0, 1]), [c]);
        const dGamma = tf.reshape(tf.sum(tf.mul(dyg, xhat), [0, 1]), [c]);
        const gg = tf.mul(dyg, tf.reshape(gs, perGroup));
        const m1 = tf.mul(tf.mean(gg, [1, 3], true), onesK);
        const m2 = tf.mul(tf.mean(tf.mul(gg, xhat), [1, 3], true), onesK);
        const dx = tf.mul(tf.sub(tf.sub(gg, m1), tf.mul(xhat, m2)), rs);
        return [tf.reshape(dx, [b, h, w, c]), dGamma, dBeta];
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
