import { rocAuc } from './roc-auc.js';
import type { Scores2D } from './dual-threshold.js';
import { mulberry32, sampleWithoutReplacement } from './random.js';

/** Threshold pairs the reference evaluates from the full grid for its tables (its ablations use 10,000). */
export const REFERENCE_COMPUTE_LIMIT = 100_000;
/** The reference seeds NumPy with 111 before subsampling; our generator differs, so the subset does too. */
export const REFERENCE_SEED = 111;

export interface ReferenceProtocolOptions {
  /** Threshold pairs kept from the full grid (default REFERENCE_COMPUTE_LIMIT). */
  computeLimit?: number;
  /** Subsampling seed (default REFERENCE_SEED). */
  seed?: number;
}

function candidates(pos: readonly number[], neg: readonly number[]): number[] {
  let minPos = Infinity;
  for (const v of pos) if (v < minPos) minPos = v;
  let maxNeg = -Infinity;
  for (const v of neg) if (v > maxNeg) maxNeg = v;
  return [...new Set([...pos, ...neg, minPos + 1e-6, maxNeg + 1e-6])].sort((a, b) => a - b);
}

/** Counts, for each query (a, b), the points with x ≥ a and y ≥ b (offline, Fenwick tree over y ranks). */
function dominanceCounts(points: Scores2D, queries: { a: number; b: number }[]): Int32Array {
  const ys = [...new Set(points.y)].sort((p, q) => p - q);
  const rank = (y: number) => {
    // first index with ys[i] >= y
    let lo = 0;
    let hi = ys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ys[mid]! < y) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const tree = new Int32Array(ys.length + 1);
  const add = (i: number) => {
    for (let k = ys.length - i; k <= ys.length; k += k & -k) tree[k]!++;
  };
  // Indexed reversed so a prefix sum counts y ≥ threshold.
  const countAtLeast = (i: number) => {
    let total = 0;
    for (let k = ys.length - i; k > 0; k -= k & -k) total += tree[k]!;
    return total;
  };
  const order = points.x.map((x, i) => [x, i] as const).sort((p, q) => q[0] - p[0]);
  const queryOrder = queries.map((q, i) => [q.a, i] as const).sort((p, q) => q[0] - p[0]);
  const out = new Int32Array(queries.length);
  let next = 0;
  for (const [a, qi] of queryOrder) {
    while (next < order.length && order[next]![0] >= a) {
      add(rank(points.y[order[next]![1]]!));
      next++;
    }
    out[qi] = countAtLeast(rank(queries[qi]!.b));
  }
  return out;
}

/**
 * The reference project's dual-threshold protocol (notebooks/roc_analysis.py), for parity: candidate
 * thresholds are the data values plus min(pos)+1e-6 and max(neg)+1e-6 on each axis, a random subset of
 * `computeLimit` grid pairs is evaluated, points are ordered by (FPR, TPR) to 10 decimals, the monotone
 * staircase from (0,0) is kept, (1,1) appended, trapezoid area. Reports max(naive AUC, that AUC), as the
 * reference tables do.
 */
export function referenceDualThresholdAuc(positive: Scores2D, negative: Scores2D, options: ReferenceProtocolOptions = {}): {
  dualAuc: number;
  reportedAuc: number;
  pairsEvaluated: number;
} {
  const xs = candidates(positive.x, negative.x);
  const ys = candidates(positive.y, negative.y);
  const grid = xs.length * ys.length;
  const limit = options.computeLimit ?? REFERENCE_COMPUTE_LIMIT;
  const picks = sampleWithoutReplacement(grid, Math.min(limit, grid), mulberry32(options.seed ?? REFERENCE_SEED));
  const queries = picks.map((p) => ({ a: xs[Math.floor(p / ys.length)]!, b: ys[p % ys.length]! }));
  const tp = dominanceCounts(positive, queries);
  const fp = dominanceCounts(negative, queries);
  const round = (v: number) => Math.round(v * 1e10);
  const points = queries.map((_, i) => [fp[i]! / negative.x.length, tp[i]! / positive.x.length] as const);
  points.sort((p, q) => round(p[0]) - round(q[0]) || round(p[1]) - round(q[1]));
  let lastF = 0;
  let lastT = 0;
  let area = 0;
  for (const [f, t] of [...points, [1, 1] as const]) {
    if (f >= lastF && t >= lastT) {
      area += (f - lastF) * (t + lastT) / 2;
      lastF = f;
      lastT = t;
    }
  }
  const naive = rocAuc(positive.x, negative.x);
  return { dualAuc: area, reportedAuc: Math.max(naive, area), pairsEvaluated: queries.length };
}
