import { assertScores } from './roc-auc.js';

export interface Scores2D {
  /** First score, e.g. log-likelihood. */
  x: readonly number[];
  /** Second score, e.g. LID. */
  y: readonly number[];
}

export interface Frontier {
  /** Kept (FPR, TPR) points from (0,0) to (1,1), FPR and TPR non-decreasing. */
  fpr: number[];
  tpr: number[];
  auc: number;
}

function distinctCount(values: readonly number[]): number {
  return new Set(values).size;
}

/**
 * Calls `visit(fp, tp)` for every (false-positive count, true-positive count) that some threshold pair
 * of the rule "x ≥ a AND y ≥ b" reaches. For each threshold b on one coordinate (its distinct values),
 * a sweep over the other coordinate (descending, tie groups whole) yields every count pair of (·, b).
 * The coordinate with fewer distinct values is the enumerated one (the rule is symmetric in x, y).
 * Cost O(min(|X|, |Y|) · (n₊ + n₋)).
 */
function forEachOperatingPoint(positive: Scores2D, negative: Scores2D, visit: (fp: number, tp: number) => void): void {
  const swap = distinctCount([...positive.x, ...negative.x]) < distinctCount([...positive.y, ...negative.y]);
  const sweep = (s: Scores2D) => (swap ? s.y : s.x);
  const fixed = (s: Scores2D) => (swap ? s.x : s.y);
  const np = positive.x.length;
  const n = np + negative.x.length;
  const at = (i: number) => (i < np ? sweep(positive)[i]! : sweep(negative)[i - np]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => at(b) - at(a));
  const value = new Float64Array(n);
  const other = new Float64Array(n);
  const isPositive = new Uint8Array(n);
  order.forEach((source, k) => {
    value[k] = at(source);
    other[k] = source < np ? fixed(positive)[source]! : fixed(negative)[source - np]!;
    isPositive[k] = source < np ? 1 : 0;
  });
  visit(0, 0); // thresholds above every point
  for (const b of new Set([...fixed(positive), ...fixed(negative)])) {
    let tp = 0;
    let fp = 0;
    for (let k = 0; k < n; ) {
      const v = value[k]!;
      while (k < n && value[k] === v) {
        if (other[k]! >= b) {
          if (isPositive[k]) tp++;
          else fp++;
        }
        k++;
      }
      visit(fp, tp);
    }
  }
}

function validate(positive: Scores2D, negative: Scores2D): void {
  for (const [set, name] of [[positive, 'positive'], [negative, 'negative']] as const) {
    if (set.x.length !== set.y.length) throw new RangeError(`${name}: x has ${set.x.length} scores but y has ${set.y.length}`);
    assertScores(set.x, `${name} x`);
    assertScores(set.y, `${name} y`);
  }
}

/** Whether no value repeats within x and none within y, over both sets (the condition of the tie-free path). */
function tieFree(positive: Scores2D, negative: Scores2D): boolean {
  const n = positive.x.length + negative.x.length;
  return distinctCount([...positive.x, ...negative.x]) === n && distinctCount([...positive.y, ...negative.y]) === n;
}

/**
 * `highest[k]`: the highest true-positive count of any threshold pair with exactly k false positives, when no
 * value repeats within x or within y. Then every count pair is a point (I, J) of the grid "the I points of
 * highest y, of which those among the J points of highest x", and three facts cut the work from all O(n²)
 * grid points to one pass per negative:
 * - within one I (a chain walked in x order) the highest count at level k is the one just before its
 *   (k+1)-th negative, or at its end;
 * - a chain whose next point in y order is a positive is dominated at every J by the next chain (same
 *   false positives, one more true positive possible), so only chains followed by a negative, and the
 *   last, are walked;
 * - the walk keeps a sorted active array (insertion by binary search) and updates without branches.
 * Cost: Σ over walked chains of their length ≈ n₋·n/2 steps, plus the insertions' moves (≈ n²/4 words).
 */
function highestTieFree(positive: Scores2D, negative: Scores2D): Int32Array {
  const np = positive.x.length;
  const nn = negative.x.length;
  const n = np + nn;
  const xOf = (i: number) => (i < np ? positive.x[i]! : negative.x[i - np]!);
  const yOf = (i: number) => (i < np ? positive.y[i]! : negative.y[i - np]!);
  const byX = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => xOf(b) - xOf(a));
  const xRank = new Int32Array(n);
  byX.forEach((point, rank) => (xRank[point] = rank));
  const byY = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => yOf(b) - yOf(a));
  // Active points in x order, each packed as rank·2 + (1 for a positive): sorting by the packed value is sorting by x.
  const active = new Int32Array(n);
  const highest = new Int32Array(nn + 1).fill(-1);
  highest[0] = 0; // thresholds above every point
  for (let t = 0; t < n; t++) {
    const point = byY[t]!;
    const packed = xRank[point]! * 2 + (point < np ? 1 : 0);
    let lo = 0;
    let hi = t;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (active[mid]! < packed) lo = mid + 1;
      else hi = mid;
    }
    active.copyWithin(lo + 1, lo, t);
    active[lo] = packed;
    if (t + 1 < n && byY[t + 1]! < np) continue; // the next chain dominates this one
    let tp = 0;
    let fp = 0;
    for (let k = 0; k <= t; k++) {
      const label = active[k]! & 1;
      const isNegative = label ^ 1;
      const held = highest[fp]!;
      const gap = tp - held;
      const raised = held + (gap & ~(gap >> 31)); // max(held, tp)
      highest[fp] = held + ((raised - held) & -isNegative); // only before a negative
      tp += label;
      fp += isNegative;
    }
    if (tp > highest[fp]!) highest[fp] = tp;
  }
  return highest;
}

/** The highest and (at or above the running maximum before each level) lowest true-positive count per level, any ties. */
function levelsWithTies(positive: Scores2D, negative: Scores2D): { highest: Int32Array; floor: Int32Array; lowest: Int32Array } {
  const np = positive.x.length;
  const nn = negative.x.length;
  // Pass 1: the highest true-positive count reached at each false-positive count (−1: unreached).
  const highest = new Int32Array(nn + 1).fill(-1);
  forEachOperatingPoint(positive, negative, (fp, tp) => {
    if (tp > highest[fp]!) highest[fp] = tp;
  });
  // The running maximum before each level is then known: pass 2 finds, per level, the lowest count at
  // or above it (the first point the ordered walk keeps there).
  const floor = runningFloor(highest);
  const lowest = new Int32Array(nn + 1).fill(np + 1);
  forEachOperatingPoint(positive, negative, (fp, tp) => {
    if (tp >= floor[fp]! && tp < lowest[fp]!) lowest[fp] = tp;
  });
  return { highest, floor, lowest };
}

/** `floor[k]`: the highest count at any level below k (0 for the first). */
function runningFloor(highest: Int32Array): Int32Array {
  const floor = new Int32Array(highest.length);
  let running = 0;
  for (let k = 0; k < highest.length; k++) {
    floor[k] = running;
    if (highest[k]! > running) running = highest[k]!;
  }
  return floor;
}

/**
 * The dual-threshold ROC frontier, exactly as the reference defines it (docs/reference-notes.md §3.4): the (FPR, TPR)
 * points of ALL threshold pairs, ordered by FPR then TPR, walked from (0,0) keeping each point whose TPR is ≥ every
 * earlier one, then (1,1); the AUC is the trapezoid area. Because ties in FPR are ordered by ascending
 * TPR, at each new FPR the path first reaches the lowest TPR at or above the running maximum, then
 * climbs to the highest. Exact (no threshold subsampling).
 *
 * Without repeated values (continuous scores) the highest count per level is non-decreasing and the
 * lowest kept count at level k is the running maximum itself (the chain reaching it steps onto level k
 * through a negative, keeping its count), so one pass over the walked chains suffices (highestTieFree,
 * ≈ n₋·n/2 steps); with ties, two passes over all operating points (O(min(|X|, |Y|)·n)).
 */
export function dualThresholdFrontier(positive: Scores2D, negative: Scores2D): Frontier {
  validate(positive, negative);
  const np = positive.x.length;
  const nn = negative.x.length;
  let highest: Int32Array;
  let floor: Int32Array;
  let lowest: Int32Array;
  if (tieFree(positive, negative)) {
    highest = highestTieFree(positive, negative);
    floor = runningFloor(highest);
    lowest = floor;
  } else {
    ({ highest, floor, lowest } = levelsWithTies(positive, negative));
  }
  const fpr = [0];
  const tpr = [0];
  let lastF = 0;
  let lastT = 0;
  let area = 0;
  const keep = (f: number, t: number) => {
    area += ((f - lastF) * (t + lastT)) / 2;
    if (f !== lastF || t !== lastT) {
      fpr.push(f);
      tpr.push(t);
    }
    lastF = f;
    lastT = t;
  };
  for (let k = 0; k <= nn; k++) {
    if (highest[k]! < floor[k]!) continue; // nothing kept at this level
    keep(k / nn, lowest[k]! / np);
    keep(k / nn, highest[k]! / np);
  }
  keep(1, 1);
  return { fpr, tpr, auc: area };
}

/** Exact AUC of the dual-threshold rule (`dualThresholdFrontier(...).auc`). */
export function dualThresholdAuc(positive: Scores2D, negative: Scores2D): number {
  return dualThresholdFrontier(positive, negative).auc;
}
