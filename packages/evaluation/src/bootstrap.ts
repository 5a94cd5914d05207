import { mulberry32 } from './random.js';

/**
 * Percentile bootstrap settings. 200 resamples: the 2.5 % / 97.5 % endpoints are then the 5th and 195th
 * order statistics, whose Monte Carlo error is small beside the interval itself (≈ ±0.07 for a 100+100-point
 * AUC near 0.7).
 */
export const BOOTSTRAP_RESAMPLES = 200;
export const BOOTSTRAP_SEED = 20_240_611;
export const BOOTSTRAP_LEVEL = 0.95;

/**
 * The dual-threshold AUC dominates the cost. A resample repeats points, so it always takes the frontier's
 * path for ties, ≈ quadratic in the points of a pair (measured, one row of the legacy schema with 200
 * resamples: 0.2 s at 100+100 points, 1 s at 300+300, 9 s at 1000+1000; that path alone, 0.7 s per
 * resample at 3000+3000). Its intervals get the full count up to 300+300 points (resamples × points² ≤ the
 * budget), fewer beyond, never under DUAL_THRESHOLD_MIN_RESAMPLES; and none at all (the interval is null,
 * the point estimate stays exact) where even that minimum would cost more than DUAL_THRESHOLD_BOOTSTRAP_CAP
 * (≈ 35 s per row, reached at 3000+3000 points): at such sizes the interval is far narrower than the
 * differences between methods. `ci.resamples` says how many were used.
 */
export const DUAL_THRESHOLD_BOOTSTRAP_BUDGET = BOOTSTRAP_RESAMPLES * 600 ** 2;
export const DUAL_THRESHOLD_MIN_RESAMPLES = 50;
export const DUAL_THRESHOLD_BOOTSTRAP_CAP = DUAL_THRESHOLD_MIN_RESAMPLES * 6000 ** 2;

/** Resamples for dual-threshold intervals of a row whose replicates pair `pairPoints[i]` points (positives + negatives); 0: no interval. */
export function dualThresholdResamples(resamples: number, pairPoints: readonly number[]): number {
  const work = pairPoints.reduce((total, n) => total + n * n, 0);
  if (DUAL_THRESHOLD_MIN_RESAMPLES * work > DUAL_THRESHOLD_BOOTSTRAP_CAP) return 0;
  const affordable = Math.floor(DUAL_THRESHOLD_BOOTSTRAP_BUDGET / Math.max(1, work));
  return Math.min(resamples, Math.max(DUAL_THRESHOLD_MIN_RESAMPLES, affordable));
}

export interface BootstrapOptions {
  /** Resamples per interval; 0 computes no intervals. */
  resamples: number;
  seed: number;
  /** Two-sided coverage, e.g. 0.95. */
  level: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { resamples: BOOTSTRAP_RESAMPLES, seed: BOOTSTRAP_SEED, level: BOOTSTRAP_LEVEL };

export interface ConfidenceInterval {
  low: number;
  high: number;
  level: number;
  resamples: number;
}

/** A seeded source of resampling indices: `n` draws from [0, n) with replacement. */
export function resampler(seed: number): (n: number) => Int32Array {
  const random = mulberry32(seed);
  return (n) => {
    const picks = new Int32Array(n);
    for (let i = 0; i < n; i++) picks[i] = Math.floor(random() * n);
    return picks;
  };
}

/** The q-quantile of sorted values, linear between order statistics (R's type 7). */
function quantile(sorted: Float64Array, q: number): number {
  const at = q * (sorted.length - 1);
  const below = Math.floor(at);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (at - below) * (sorted[above]! - sorted[below]!);
}

/** Percentile interval of bootstrap replicates of a statistic. */
export function percentileInterval(samples: Float64Array, level: number): ConfidenceInterval {
  if (samples.length === 0) throw new RangeError('percentile interval of no bootstrap samples');
  const sorted = Float64Array.from(samples).sort();
  const tail = (1 - level) / 2;
  return { low: quantile(sorted, tail), high: quantile(sorted, 1 - tail), level, resamples: samples.length };
}

export function assertBootstrapOptions(options: BootstrapOptions): void {
  if (!Number.isInteger(options.resamples) || options.resamples < 0) throw new RangeError(`bootstrap resamples must be a non-negative integer (got ${options.resamples})`);
  if (!(options.level > 0 && options.level < 1)) throw new RangeError(`bootstrap level must be in (0, 1) (got ${options.level})`);
}
