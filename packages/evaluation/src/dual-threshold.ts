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

/**
 * The dual-threshold ROC frontier, exactly as the reference defines it (docs/reference-notes.md §3.4): the (FPR, TPR)
 * points of ALL threshold pairs, ordered by FPR then TPR, walked from (0,0) keeping each point whose TPR is ≥ every
 * earlier one, then (1,1); the AUC is the trapezoid area. Because ties in FPR are ordered by ascending
 * TPR, at each new FPR the path first reaches the lowest TPR at or above the running maximum, then
 * climbs to the highest. Exact (no threshold subsampling): two passes over all operating points.
 */
export function dualThresholdFrontier(positive: Scores2D, negative: Scores2D): Frontier {
  validate(positive, negative);
  const np = positive.x.length;
  const nn = negative.x.length;
  // Pass 1: the highest true-positive count reached at each false-positive count (−1: unreached).
  const highest = new Int32Array(nn + 1).fill(-1);
  forEachOperatingPoint(positive, negative, (fp, tp) => {
    if (tp > highest[fp]!) highest[fp] = tp;
  });
  // The running maximum before each level is then known: pass 2 finds, per level, the lowest count at
  // or above it (the first point the ordered walk keeps there).
  const floor = new Int32Array(nn + 1);
  let running = 0;
  for (let k = 0; k <= nn; k++) {
    floor[k] = running;
    if (highest[k]! > running) running = highest[k]!;
  }
  const lowest = new Int32Array(nn + 1).fill(np + 1);
  forEachOperatingPoint(positive, negative, (fp, tp) => {
    if (tp >= floor[fp]! && tp < lowest[fp]!) lowest[fp] = tp;
  });
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
