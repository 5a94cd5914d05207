/**
 * Degrade and denoise (Graham et al. 2023; the reconstruction baseline, docs/diffusion.md §12), taking (sde,
 * network): one point x̃ is noised along a single Brownian path to times t_1 < … < t_N,
 *   n_i = n_{i−1} + √(σ²(t_i) − σ²(t_{i−1}))·ξ_i,  y_i = ψ(t_i)·x̃ + n_i,
 * so level i's noise extends level i−1's; each y_i is then denoised on its own by reverse Euler–Maruyama from t_i
 * down to ε with i·`steps` grid points (about the same step size at every level).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { invalidArgument } from './errors.js';
import { reverseIntegrate } from './sampling.js';
import type { ScoreNetwork } from './score-network.js';
import type { Sde } from './sde/index.js';

export interface DegradeDenoiseOptions {
  /** The increasing noise times t_1 < … < t_N in (eps, T]. */
  times: number[];
  /** Euler–Maruyama grid points per level: level i (1-based) uses i·steps. */
  steps: number;
  seed: number;
  /** End time of the denoising (the reference's 1e-5). */
  eps?: number;
  onLevel?: (level: number) => void;
}

/** The times of N levels, t_i = T·(i/N)^γ, i = 1…N. */
export function degradationTimes(sde: Sde, levels: number, gamma: number): number[] {
  return Array.from({ length: levels }, (_, i) => sde.T * ((i + 1) / levels) ** gamma);
}

/** Reconstructions of one model-space point x̃ [1, H, W, C] at each level: [N, H, W, C], model space. */
export async function degradeDenoise(sde: Sde, net: ScoreNetwork, x: tf.Tensor4D, opts: DegradeDenoiseOptions): Promise<tf.Tensor4D> {
  const { times, steps } = opts;
  const eps = opts.eps ?? 1e-5;
  if (x.shape[0] !== 1) throw invalidArgument('degradeDenoise', `one point at a time (got a batch of ${x.shape[0]})`);
  if (times.length === 0 || times.some((t, i) => !(t > eps && t <= sde.T) || (i > 0 && t <= times[i - 1]!))) {
    throw invalidArgument('degradeDenoise', `times must increase within (${eps}, ${sde.T}] (got ${times.join(', ')})`);
  }
  if (!(Number.isInteger(steps) && steps >= 2)) throw invalidArgument('degradeDenoise', `steps must be an integer ≥ 2 (got ${steps})`);
  const out: tf.Tensor4D[] = [];
  let noise: tf.Tensor = tf.zerosLike(x);
  let previous = 0;
  try {
    for (const [i, t] of times.entries()) {
      const variance = sde.sigma(t) ** 2;
      const grown = tf.tidy(() => tf.add(noise, tf.mul(tf.randomNormal(x.shape, 0, 1, 'float32', deriveSeed(opts.seed, 0xd0, i)), Math.sqrt(Math.max(0, variance - previous)))));
      noise.dispose();
      noise = grown;
      previous = variance;
      const degraded = tf.tidy(() => tf.add(tf.mul(x, sde.psi(t)), noise)) as tf.Tensor4D;
      out.push(await reverseIntegrate(sde, net, degraded, { type: 'euler-maruyama', steps: (i + 1) * steps }, { seed: deriveSeed(opts.seed, 0xd1, i), eps, from: t }));
      opts.onLevel?.(i + 1);
    }
    return tf.concat(out, 0);
  } finally {
    noise.dispose();
    tf.dispose(out);
  }
}
