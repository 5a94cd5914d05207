/**
 * Denoising losses (docs/diffusion.md §3), taking (sde, network). Per example, with t ~ U(tMin, tMax),
 * ε ~ N(0, I) and x_t = ψ(t)·x̃ + σ(t)·ε:
 *  - `epsilon` (the reference's `likelihood` scheme, L2): Σ_dims (ŝ(x_t, t) + ε)², i.e. ε-matching, which is
 *    score matching weighted by λ(t) = σ²(t);
 *  - `custom` (what the CCLR baseline uses): Σ_dims |ŝ + ε|^q / σ(t)^q · w(t), q = 2 (L2) or 1 (L1).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { invalidArgument } from './errors.js';
import type { ScoreNetwork } from './score-network.js';
import { perturb, type Sde } from './sde/index.js';

export type LossScheme =
  | { type: 'epsilon' }
  | { type: 'custom'; distance: 'l1' | 'l2'; weight: (t: tf.Tensor1D) => tf.Tensor1D };

export interface DenoisingLossOptions {
  /** Seed of this pass's times and noise. */
  seed: number;
  /** Times are drawn from U(tMin, tMax); default U(0, T) as in the reference. */
  tMin?: number;
  tMax?: number;
  scheme?: LossScheme;
  training?: boolean;
}

/** The per-example loss [B] for a batch x̃ in model space ([B, H, W, C]). */
export function denoisingLossPerExample(sde: Sde, net: ScoreNetwork, x: tf.Tensor4D, opts: DenoisingLossOptions): tf.Tensor1D {
  const tMin = opts.tMin ?? 0;
  const tMax = opts.tMax ?? sde.T;
  if (!(tMin >= 0 && tMax > tMin && tMax <= sde.T)) throw invalidArgument('denoisingLoss', `need 0 ≤ tMin < tMax ≤ T (got ${tMin}, ${tMax})`);
  const scheme = opts.scheme ?? { type: 'epsilon' };
  return tf.tidy(() => {
    const b = x.shape[0];
    const t = tf.randomUniform([b], tMin, tMax, 'float32', deriveSeed(opts.seed, 1)) as tf.Tensor1D;
    const eps = tf.randomNormal(x.shape, 0, 1, 'float32', deriveSeed(opts.seed, 2));
    const xt = perturb(sde, x, t, eps) as tf.Tensor4D;
    const residual = tf.add(net.apply(xt, t, { training: opts.training ?? true, seed: deriveSeed(opts.seed, 3) }), eps);
    if (scheme.type === 'epsilon') return tf.sum(tf.reshape(tf.square(residual), [b, -1]), 1) as tf.Tensor1D;
    const q = scheme.distance === 'l2' ? 2 : 1;
    const perDim = q === 2 ? tf.square(residual) : tf.abs(residual);
    const scale = tf.div(scheme.weight(t), q === 2 ? tf.square(sde.sigmaAt(t)) : sde.sigmaAt(t));
    return tf.mul(tf.sum(tf.reshape(perDim, [b, -1]), 1), scale) as tf.Tensor1D;
  });
}

/** The training loss: the batch mean of the per-example loss. */
export function denoisingLoss(sde: Sde, net: ScoreNetwork, x: tf.Tensor4D, opts: DenoisingLossOptions): tf.Scalar {
  return tf.tidy(() => tf.mean(denoisingLossPerExample(sde, net, x, opts)) as tf.Scalar);
}
