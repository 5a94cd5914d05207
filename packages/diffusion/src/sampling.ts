/**
 * Sampling, taking (sde, network), in model space (docs/diffusion.md §5). Both start from the prior
 * z ~ N(0, σ²(T)·I):
 *  - reverse-time Euler–Maruyama, the reference's grid: t_i = linspace(T, ε, steps), Δ = (T − ε)/(steps − 1), one
 *    update at every grid point (including t = ε): z ← z − Δ·f(z,t) + Δ·β(t)·s(z,t) + √(β(t)·Δ)·ξ;
 *  - the probability-flow ODE integrated backwards from T to ε: dz/dt = f(z,t) − ½β(t)·s(z,t), by fixed-step Euler
 *    on the same grid or adaptive Dormand–Prince.
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '@dgm-ood/engine/rng';
import { invalidArgument } from './errors.js';
import { scoreAt } from './likelihood.js';
import { dopri5 } from './ode/dopri5.js';
import type { ScoreNetwork } from './score-network.js';
import { samplePrior, type Sde } from './sde/index.js';

export interface SampleOptions {
  /** Number of samples and their NHWC shape without the batch axis. */
  n: number;
  shape: [number, number, number];
  seed: number;
  /** End time ε (reference: 1e-4 for samples, 1e-5 for reconstructions). */
  eps?: number;
  onProgress?: (fraction: number) => void;
}

export type ReverseSolver = { type: 'euler-maruyama'; steps: number } | { type: 'pf-ode-euler'; steps: number } | { type: 'pf-ode-rk45'; rtol: number; atol: number };

export const DEFAULT_SAMPLE_EPS = 1e-4;
export const DEFAULT_SAMPLE_STEPS = 1000;

/**
 * Integrate from a given x at time `from` (default T) back to ε; `x` is consumed (disposed). Returns x_ε in model
 * space. Starting below T denoises a degraded point (the reconstruction baseline).
 */
export async function reverseIntegrate(sde: Sde, net: ScoreNetwork, x: tf.Tensor4D, solver: ReverseSolver, opts: { seed: number; eps?: number; from?: number; onProgress?: (f: number) => void }): Promise<tf.Tensor4D> {
  const eps = opts.eps ?? DEFAULT_SAMPLE_EPS;
  const from = opts.from ?? sde.T;
  if (!(eps > 0 && eps < sde.T)) throw invalidArgument('reverseIntegrate', `eps must lie in (0, T) (got ${eps})`);
  if (!(from > eps && from <= sde.T)) throw invalidArgument('reverseIntegrate', `the start time must lie in (eps, T] (got ${from})`);
  if (solver.type === 'pf-ode-rk45') {
    const span = from - eps;
    const rhs = async (t: number, z: tf.Tensor) => tf.tidy(() => probabilityFlowDrift(sde, net, z, t));
    try {
      const r = await dopri5(rhs, x, from, eps, { rtol: solver.rtol, atol: solver.atol, onStep: (t) => opts.onProgress?.((from - t) / span) });
      return r.y as tf.Tensor4D;
    } finally {
      x.dispose();
    }
  }
  const steps = solver.steps;
  if (!(Number.isInteger(steps) && steps >= 2)) throw invalidArgument('reverseIntegrate', `steps must be an integer ≥ 2 (got ${steps})`);
  const dt = (from - eps) / (steps - 1);
  let z: tf.Tensor = x;
  for (let i = 0; i < steps; i++) {
    const t = from - i * dt;
    const next = tf.tidy(() => {
      if (solver.type === 'pf-ode-euler') return tf.sub(z, tf.mul(probabilityFlowDrift(sde, net, z, t), dt));
      const beta = sde.beta(t);
      const score = scoreAt(sde, net, t)(z);
      const xi = tf.randomNormal(z.shape, 0, 1, 'float32', deriveSeed(opts.seed, i));
      return tf.add(tf.add(tf.sub(z, tf.mul(z, sde.driftScale(t) * dt)), tf.mul(score, beta * dt)), tf.mul(xi, Math.sqrt(beta * dt)));
    });
    z.dispose();
    z = next;
    opts.onProgress?.((i + 1) / steps);
    // Let the event loop breathe between network evaluations (progress reports, heartbeats).
    if (i % 8 === 7) await new Promise((r) => setImmediate(r));
  }
  return z as tf.Tensor4D;
}

/** The probability-flow velocity f(z,t) − ½β(t)·s(z,t). */
function probabilityFlowDrift(sde: Sde, net: ScoreNetwork, z: tf.Tensor, t: number): tf.Tensor {
  return tf.sub(tf.mul(z, sde.driftScale(t)), tf.mul(scoreAt(sde, net, t)(z), 0.5 * sde.beta(t)));
}

/** n samples in model space [n, H, W, C] (NHWC `shape` = [H, W, C]). */
export async function sampleDiffusion(sde: Sde, net: ScoreNetwork, solver: ReverseSolver, opts: SampleOptions): Promise<tf.Tensor4D> {
  if (!(Number.isInteger(opts.n) && opts.n >= 1)) throw invalidArgument('sampleDiffusion', `n must be a positive integer (got ${opts.n})`);
  const z = samplePrior(sde, [opts.n, ...opts.shape], deriveSeed(opts.seed, 0x5eed)) as tf.Tensor4D;
  return reverseIntegrate(sde, net, z, solver, {
    seed: deriveSeed(opts.seed, 1),
    ...(opts.eps !== undefined ? { eps: opts.eps } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
}
