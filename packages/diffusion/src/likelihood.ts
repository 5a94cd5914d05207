/**
 * log p(x̃) by the probability-flow ODE (docs/diffusion.md §4), taking (sde, network):
 *   dx/dt = v(x, t) = f(x, t) − ½β(t)·s(x, t),  s = ŝ/σ(t) the score,
 *   log p_ε(x̃) = log p_T(x_T) + ∫_ε^T div v dt,  div v = driftScale(t)·D − ½β(t)·tr(∂s/∂x).
 * Solvers:
 *  - `euler` — the reference's fixed-step Euler, for parity: grid s_j = linspace(ε, T, steps), Δ = (T − ε)/(steps − 1),
 *    one update at every grid point including s = T (so `steps` updates, the last overshooting T by Δ); the drift's
 *    divergence is integrated analytically over [ε, T];
 *  - `rk45` — adaptive Dormand–Prince with rtol/atol (score_sde uses 1e-5), integrating the state and Δlog p together.
 * The prior is N(0, σ²(T)·I). `prior: 'upstream'` adds the reference's constant offset (its sign errors) so raw
 * values can be compared with its logs; AUCs do not depend on it.
 */
import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from './errors.js';
import { dopri5 } from './ode/dopri5.js';
import type { ScoreNetwork } from './score-network.js';
import { hutchinsonProbes, scoreAndTrace, type TraceEstimator } from './score-trace.js';
import { priorLogDensity, type Sde } from './sde/index.js';

export type PfOdeSolver = { type: 'euler'; steps: number } | { type: 'rk45'; rtol: number; atol: number; maxSteps?: number };

export interface PfOdeOptions {
  solver: PfOdeSolver;
  /** Start time ε of the integral (the data are treated as x_ε). Reference: 0.01 (Euler); score_sde: 1e-5. */
  eps: number;
  trace: TraceEstimator;
  /** One seed per point for its Hutchinson probes (fixed for the whole solve). Required unless the trace is exact. */
  probeSeeds?: readonly number[];
  /** `correct` (default) or `upstream` (correct + the reference's constant offset, for comparing raw values). */
  prior?: 'correct' | 'upstream';
  /**
   * log-density at time T of the state reached (flattened, row-major per point); default the SDE's prior
   * N(0, σ²(T)·I). Tests pass the exact marginal p_T to isolate the solver from the prior's approximation.
   */
  terminalLogDensity?: (xT: Float32Array, dim: number) => Float64Array;
  /** Rows per reverse pass (point copies × probes). Default 512. */
  chunkRows?: number;
  onProgress?: (fraction: number) => void;
}

export interface PfOdeResult {
  /** log p(x̃) in nats per point (density of the model-space data). */
  logp: Float64Array;
  /** Network evaluations (each with its trace pass). */
  nfe: number;
}

/**
 * The reference's constant offset: its log p minus the correct one, for D elements and start time ε.
 * VP: D·(ln 2π + B(T) − B(ε)) + (D/2)·ln σ²(T); VE: D·ln 2π + (D/2)·ln σ²(T).
 */
export function upstreamLogpOffset(sde: Sde, dim: number, eps: number): number {
  const drift = -2 * sde.driftIntegral(eps, sde.T); // B(T) − B(ε) for VP, 0 for VE
  return dim * (Math.log(2 * Math.PI) + drift) + (dim / 2) * Math.log(sde.priorVariance());
}

/** The score s(x, t) = ŝ(x, t)/σ(t) at one time for a whole batch. */
export function scoreAt(sde: Sde, net: ScoreNetwork, t: number) {
  const sigma = sde.sigma(t);
  return (x: tf.Tensor): tf.Tensor =>
    tf.div(net.apply(x as tf.Tensor4D, tf.fill([x.shape[0]!], t) as tf.Tensor1D, { training: false }), sigma);
}

export async function pfOdeLogLikelihood(sde: Sde, net: ScoreNetwork, x: tf.Tensor4D, opts: PfOdeOptions): Promise<PfOdeResult> {
  const b = x.shape[0];
  const d = x.size / b;
  if (!(opts.eps > 0 && opts.eps < sde.T)) throw invalidArgument('pfOdeLogLikelihood', `eps must lie in (0, T) (got ${opts.eps})`);
  let probes: tf.Tensor | null = null;
  let k = 0;
  if (opts.trace.method !== 'exact') {
    k = opts.trace.probes;
    if (!(Number.isInteger(k) && k >= 1)) throw invalidArgument('pfOdeLogLikelihood', `trace.probes must be a positive integer (got ${k})`);
    if (opts.probeSeeds?.length !== b) throw invalidArgument('pfOdeLogLikelihood', `probeSeeds must hold one seed per point (${b}, got ${opts.probeSeeds?.length ?? 'none'})`);
    probes = hutchinsonProbes(opts.trace.method, k, x.shape.slice(1), opts.probeSeeds);
  }
  try {
    const { xT, deltaLogp, nfe } =
      opts.solver.type === 'euler'
        ? await eulerPass(sde, net, x, opts.solver.steps, opts, probes, k)
        : await rk45Pass(sde, net, x, opts.solver, opts, probes, k);
    let prior: Float64Array;
    if (opts.terminalLogDensity) {
      prior = opts.terminalLogDensity((await xT.data()) as Float32Array, d);
      xT.dispose();
    } else {
      const sq = tf.tidy(() => tf.sum(tf.reshape(tf.square(xT), [b, d]), 1));
      const sqNorms = await sq.data();
      tf.dispose([sq, xT]);
      prior = priorLogDensity(sde, sqNorms, d);
    }
    const offset = opts.prior === 'upstream' ? upstreamLogpOffset(sde, d, opts.eps) : 0;
    return { logp: prior.map((p, i) => p + deltaLogp[i]! + offset), nfe };
  } finally {
    probes?.dispose();
  }
}

interface Pass {
  xT: tf.Tensor;
  /** ∫ div v dt per point. */
  deltaLogp: Float64Array;
  nfe: number;
}

async function eulerPass(sde: Sde, net: ScoreNetwork, x0: tf.Tensor4D, steps: number, opts: PfOdeOptions, probes: tf.Tensor | null, k: number): Promise<Pass> {
  if (!(Number.isInteger(steps) && steps >= 2)) throw invalidArgument('pfOdeLogLikelihood', `euler steps must be an integer ≥ 2 (got ${steps})`);
  const b = x0.shape[0];
  const d = x0.size / b;
  const dt = (sde.T - opts.eps) / (steps - 1);
  // The drift's divergence in closed form over [ε, T] (the reference folds it into its prior term).
  const deltaLogp = new Float64Array(b).fill(d * sde.driftIntegral(opts.eps, sde.T));
  let x: tf.Tensor = tf.clone(x0);
  try {
    for (let j = 0; j < steps; j++) {
      const s = opts.eps + j * dt;
      const beta = sde.beta(s);
      const { value: score, trace } = await scoreAndTrace(scoreAt(sde, net, s), x, probes, k, opts.chunkRows);
      for (let i = 0; i < b; i++) deltaLogp[i]! -= dt * 0.5 * beta * trace[i]!;
      const next = tf.tidy(() => tf.add(x, tf.mul(tf.sub(tf.mul(x, sde.driftScale(s)), tf.mul(score, 0.5 * beta)), dt)));
      tf.dispose([x, score]);
      x = next;
      opts.onProgress?.((j + 1) / steps);
    }
  } catch (error) {
    x.dispose();
    throw error;
  }
  return { xT: x, deltaLogp, nfe: steps };
}

async function rk45Pass(
  sde: Sde,
  net: ScoreNetwork,
  x0: tf.Tensor4D,
  solver: { rtol: number; atol: number; maxSteps?: number },
  opts: PfOdeOptions,
  probes: tf.Tensor | null,
  k: number,
): Promise<Pass> {
  const b = x0.shape[0];
  const d = x0.size / b;
  const shape = x0.shape;
  // State [B, D + 1]: the point, then Δlog p accumulated so far.
  const rhs = async (t: number, y: tf.Tensor): Promise<tf.Tensor> => {
    const x = tf.tidy(() => tf.reshape(tf.slice(y, [0, 0], [b, d]), shape));
    const beta = sde.beta(t);
    const a = sde.driftScale(t);
    const { value: score, trace } = await scoreAndTrace(scoreAt(sde, net, t), x, probes, k, opts.chunkRows);
    const div = Float32Array.from(trace, (tr) => a * d - 0.5 * beta * tr);
    const out = tf.tidy(() => {
      const v = tf.sub(tf.mul(x, a), tf.mul(score, 0.5 * beta));
      return tf.concat([tf.reshape(v, [b, d]), tf.tensor2d(div, [b, 1])], 1);
    });
    tf.dispose([x, score]);
    return out;
  };
  const y0 = tf.tidy(() => tf.concat([tf.reshape(x0, [b, d]), tf.zeros([b, 1])], 1));
  const span = sde.T - opts.eps;
  try {
    const r = await dopri5(rhs, y0, opts.eps, sde.T, {
      rtol: solver.rtol,
      atol: solver.atol,
      ...(solver.maxSteps !== undefined ? { maxSteps: solver.maxSteps } : {}),
      onStep: (t) => opts.onProgress?.((t - opts.eps) / span),
    });
    const xT = tf.tidy(() => tf.reshape(tf.slice(r.y, [0, 0], [b, d]), shape));
    const dl = tf.slice(r.y, [0, d], [b, 1]);
    const deltaLogp = Float64Array.from(await dl.data());
    tf.dispose([dl, r.y]);
    return { xT, deltaLogp, nfe: r.nfe };
  } finally {
    y0.dispose();
  }
}
