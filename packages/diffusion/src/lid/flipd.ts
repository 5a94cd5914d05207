/**
 * FLIPD (Kamkari et al., NeurIPS 2024): the local intrinsic dimension from the rate at which the log-density of
 * the Gaussian-smoothed data changes with the smoothing scale δ. With p_δ = p ∗ N(0, δ²I) the heat equation gives
 * ∂ log p_δ(x)/∂ log δ = δ²·[tr ∇s_δ(x) + ‖s_δ(x)‖²], and LID(x) ≈ D + ∂ log p_δ(x)/∂ log δ as δ → 0.
 *
 * A diffusion marginal is a rescaled smoothing: p_t(y) = ψ^{−D}·p_δ(y/ψ) with δ = σ(t)/ψ(t), so with s the
 * model's true score at time t₀ (network output / σ) and y = ψ(t₀)·x:
 *   FLIPD(x, t₀) = D + σ²(t₀)·[tr ∇s(y, t₀) + ‖s(y, t₀)‖²]
 * for VP and for VE alike (VE: ψ = 1, σ² the kernel variance). docs/diffusion.md §10 has the derivation.
 */
import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';
import { hutchinsonProbes, scoreAndTrace } from '../score-trace.js';
import type { Sde } from '../sde/index.js';
import { VeSde } from '../sde/ve-sde.js';
import { VpSde } from '../sde/vp-sde.js';

/** How the trace of the score's Jacobian is computed: D unit probes, or k Hutchinson (Gaussian) probes. */
export type FlipdTrace = 'exact' | { hutchinson: number; seed: number };

export interface FlipdOptions {
  sde: 'vp' | 've';
  /** VP: β(t) from betaMin to betaMax (defaults 0.1, 20). */
  betaMin?: number;
  betaMax?: number;
  /** VE: σ²(t) = e^{gMin + (gMax − gMin)t} − e^{gMin} (defaults −5, 5). */
  gMin?: number;
  gMax?: number;
  t0: number;
  trace: FlipdTrace;
}

/** The true score ∇ log p_t at time t for flattened points (rows). */
export type FlatScore = (xt: tf.Tensor2D, t: number) => tf.Tensor2D;

/** The parts of FLIPD per point: LID = D + σ²(t₀)·(trace + squaredNorm). */
export interface FlipdTerms {
  lid: Float64Array;
  trace: Float64Array;
  squaredNorm: Float64Array;
}

/**
 * FLIPD per point for `score` (the true score, flattened points as rows) at the points x [N, D]. Hutchinson
 * probes are Gaussian and drawn per point from (seed, point index), so a point's estimate does not depend on
 * the batch it is in.
 */
export async function flipd(score: FlatScore, x: tf.Tensor2D, options: FlipdOptions): Promise<number[]> {
  const sde = options.sde === 'vp' ? new VpSde(options.betaMin ?? 0.1, options.betaMax ?? 20) : new VeSde(options.gMin ?? -5, options.gMax ?? 5);
  const probeSeeds = typeof options.trace === 'object' ? Array.from({ length: x.shape[0] }, (_, i) => seedOf(options.trace as { seed: number }, i)) : null;
  const terms = await flipdTerms(sde, (xt, t) => score(xt as tf.Tensor2D, t), x, options.t0, options.trace, probeSeeds);
  return Array.from(terms.lid);
}

function seedOf(trace: { seed: number }, index: number): number {
  // A simple integer hash keeps per-point seeds distinct and reproducible.
  return (Math.imul(trace.seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/**
 * FLIPD terms for points of any per-point shape ([N, …]) and a score function of the same shapes: the engine of
 * `flipd` and of the diffusion LID method. `probeSeeds[i]` seeds point i's probes (null: exact trace).
 */
export async function flipdTerms(
  sde: Sde,
  score: (xt: tf.Tensor, t: number) => tf.Tensor,
  x: tf.Tensor,
  t0: number,
  trace: FlipdTrace,
  probeSeeds: readonly number[] | null,
  chunkRows?: number,
): Promise<FlipdTerms> {
  if (!(t0 > 0 && t0 <= sde.T)) throw invalidArgument('flipd', `t0 must lie in (0, ${sde.T}] (got ${t0})`);
  const k = typeof trace === 'object' ? trace.hutchinson : 0;
  if (typeof trace === 'object' && !(Number.isInteger(k) && k >= 1)) throw invalidArgument('flipd', `hutchinson must be a positive integer number of probes (got ${k})`);
  const n = x.shape[0]!;
  const sampleShape = x.shape.slice(1);
  const dim = sampleShape.reduce((p, q) => p * q, 1);
  const y = tf.mul(x, sde.psi(t0));
  const probes = typeof trace === 'object' ? hutchinsonProbes('gaussian', k, sampleShape, probeSeeds ?? Array.from({ length: n }, (_, i) => seedOf(trace, i))) : null;
  try {
    const r = await scoreAndTrace((v) => score(v, t0), y, probes, k, chunkRows);
    const norms = tf.tidy(() => tf.sum(tf.square(tf.reshape(r.value, [n, dim])), 1));
    const sq = Float64Array.from(await norms.data());
    tf.dispose([norms, r.value]);
    const s2 = sde.sigma(t0) ** 2;
    const lid = Float64Array.from(sq, (q, i) => dim + s2 * (r.trace[i]! + q));
    return { lid, trace: r.trace, squaredNorm: sq };
  } finally {
    tf.dispose([y, ...(probes ? [probes] : [])]);
  }
}
