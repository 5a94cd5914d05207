/**
 * Goodier et al.'s average denoising loss of one point (the CCLR baseline; docs/diffusion.md §11), taking
 * (sde, network):
 *   L_φ(x) = (1/M) Σ_m Σ_dims |ŝ(x_t, t_m) + ε_m| / σ(t_m) · (t_m + 0.5),  t_m ~ U(0, φ·T],  ε_m ~ N(0, I),
 *   x_t = ψ(t_m)·x̃_m + σ(t_m)·ε_m,  x̃_m the point with its own dequantization noise.
 * Copy m draws its time, dequantization and noise from Rng(deriveSeed(seed, m)), on the host: the value does not
 * depend on how many copies share a network pass (a memory bound that differs between machines).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed, Rng } from '@dgm-ood/engine/rng';
import { transformHost } from './data-transform.js';
import { invalidArgument } from './errors.js';
import type { ScoreNetwork } from './score-network.js';
import { perturb, type Sde } from './sde/index.js';
import type { DiffusionDataTransform } from './spec.js';

export interface AverageLossOptions {
  /** φ ∈ (0, 1]. */
  fraction: number;
  /** M ≥ 1. */
  draws: number;
  /** Copies per network pass. */
  chunkRows: number;
}

/** L_φ of one raw image (host pixels in the network's NHWC order, shape [H, W, C]). */
export async function averageDenoisingLoss(
  sde: Sde,
  net: ScoreNetwork,
  transform: DiffusionDataTransform,
  pixels: ArrayLike<number>,
  shape: [number, number, number],
  seed: number,
  opts: AverageLossOptions,
): Promise<number> {
  const { fraction, draws } = opts;
  if (!(fraction > 0 && fraction <= 1)) throw invalidArgument('averageDenoisingLoss', `the time fraction φ must lie in (0, 1] (got ${fraction})`);
  if (!(Number.isInteger(draws) && draws >= 1)) throw invalidArgument('averageDenoisingLoss', `draws must be a positive integer (got ${draws})`);
  const d = shape[0] * shape[1] * shape[2];
  if (pixels.length !== d) throw invalidArgument('averageDenoisingLoss', `expected ${d} pixels, got ${pixels.length}`);
  const chunk = Math.max(1, Math.min(draws, Math.floor(opts.chunkRows)));
  const noise = transform.dequantize ? new Float32Array(d) : null;
  let total = 0;
  for (let m0 = 0; m0 < draws; m0 += chunk) {
    const kc = Math.min(chunk, draws - m0);
    const x = new Float32Array(kc * d);
    const eps = new Float32Array(kc * d);
    const times = new Float32Array(kc);
    for (let k = 0; k < kc; k++) {
      const rng = new Rng(deriveSeed(seed, m0 + k));
      // 1 − U[0, 1) ∈ (0, 1]: t is never 0, where σ(t) = 0.
      times[k] = fraction * sde.T * (1 - rng.uniform());
      if (noise) rng.fillUniform(noise);
      transformHost(pixels, noise, transform, x.subarray(k * d, (k + 1) * d));
      rng.fillNormal(eps.subarray(k * d, (k + 1) * d));
    }
    const losses = tf.tidy(() => {
      const x0 = tf.tensor4d(x, [kc, ...shape]);
      const e = tf.tensor4d(eps, [kc, ...shape]);
      const t = tf.tensor1d(times);
      const xt = perturb(sde, x0, t, e) as tf.Tensor4D;
      const residual = tf.abs(tf.add(net.apply(xt, t, { training: false }), e));
      return tf.mul(tf.sum(tf.reshape(residual, [kc, d]), 1), tf.div(tf.add(t, 0.5), sde.sigmaAt(t)));
    });
    const values = await losses.data();
    losses.dispose();
    for (const v of values) total += v;
  }
  return total / draws;
}
