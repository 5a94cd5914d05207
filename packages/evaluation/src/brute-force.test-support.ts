import type { Scores2D } from './dual-threshold.js';

/** Definition-level ROC-AUC: every (positive, negative) pair, ties ½. */
export function bruteRocAuc(pos: readonly number[], neg: readonly number[]): number {
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
}

/** Definition-level dual-threshold AUC: every threshold pair from the data values (and +∞). */
export function bruteDualAuc(pos: Scores2D, neg: Scores2D): number {
  const xs = [...new Set([...pos.x, ...neg.x]), Infinity];
  const ys = [...new Set([...pos.y, ...neg.y]), Infinity];
  const points: [number, number][] = [];
  const rate = (s: Scores2D, a: number, b: number) => s.x.filter((x, i) => x >= a && s.y[i]! >= b).length / s.x.length;
  for (const a of xs) for (const b of ys) points.push([rate(neg, a, b), rate(pos, a, b)]);
  points.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  let [lastF, lastT, area] = [0, 0, 0];
  for (const [f, t] of [...points, [1, 1] as [number, number]]) {
    if (f >= lastF && t >= lastT) {
      area += (f - lastF) * (t + lastT) / 2;
      [lastF, lastT] = [f, t];
    }
  }
  return area;
}
