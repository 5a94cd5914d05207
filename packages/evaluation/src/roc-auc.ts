/**
 * Exact ROC-AUC of one score, positives = in-distribution (a higher score means more in-distribution):
 * the probability that a random positive scores above a random negative, ties counted ½
 * (Mann–Whitney U / (n₊·n₋)). O((n₊+n₋) log(n₊+n₋)). AUCs below ½ are returned as they are.
 */
export function rocAuc(positive: readonly number[], negative: readonly number[]): number {
  assertScores(positive, 'positive');
  assertScores(negative, 'negative');
  const pos = Float64Array.from(positive).sort();
  const neg = Float64Array.from(negative).sort();
  // For each positive: negatives strictly below count 1, equal ones ½.
  let wins = 0;
  let below = 0; // negatives < current value
  let j = 0;
  for (let i = 0; i < pos.length; ) {
    const value = pos[i]!;
    while (j < neg.length && neg[j]! < value) j++;
    below = j;
    let equal = 0;
    while (j + equal < neg.length && neg[j + equal] === value) equal++;
    let group = 0;
    while (i < pos.length && pos[i] === value) {
      group++;
      i++;
    }
    wins += group * (below + equal / 2);
  }
  return wins / (pos.length * neg.length);
}

/** The 1-D ROC curve (FPR, TPR), from (0,0) to (1,1), one point per distinct threshold: for plotting. */
export function rocCurve(positive: readonly number[], negative: readonly number[]): { fpr: number[]; tpr: number[] } {
  assertScores(positive, 'positive');
  assertScores(negative, 'negative');
  const all = [...positive.map((v) => [v, 1] as const), ...negative.map((v) => [v, 0] as const)].sort((a, b) => b[0] - a[0]);
  const fpr = [0];
  const tpr = [0];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < all.length; ) {
    const value = all[i]![0];
    while (i < all.length && all[i]![0] === value) {
      if (all[i]![1]) tp++;
      else fp++;
      i++;
    }
    fpr.push(fp / negative.length);
    tpr.push(tp / positive.length);
  }
  return { fpr, tpr };
}

export function assertScores(values: readonly number[], name: string): void {
  if (values.length === 0) throw new RangeError(`${name} scores are empty`);
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`${name} score ${i} is NaN`);
  }
}
