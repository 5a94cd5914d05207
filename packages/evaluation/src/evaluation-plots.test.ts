import { expect, test } from 'vitest';
import { bestDualThreshold, evaluationPlots, PLOT_POINTS_PER_SET } from './evaluation-plots.js';
import { dualThresholdAuc } from './dual-threshold.js';
import { LEGACY_SCORE_SCHEMA, type ScoreSchema } from './score-schema.js';
import type { ScoredJob } from './sweep-table.js';

function job(id: string, fields: Partial<ScoredJob> & { dataset: string; scores: Record<string, number[]> }): ScoredJob {
  return {
    jobId: id, jobName: id, modelKey: 'm1', modelLabel: 'flow', method: 'lid', variantKey: '', variant: '', seedKey: '',
    inDistribution: 'fashion-mnist', split: 'test', schema: LEGACY_SCORE_SCHEMA, points: Object.values(fields.scores)[0]?.length ?? 0,
    ...fields,
  };
}

// The paradox in miniature: OOD points have higher likelihood but lower LID.
const inDist = job('t', { dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3, 4], lid: [10, 11, 12, 13] } });
const ood = job('m', { dataset: 'mnist', scores: { log_likelihood: [5, 6, 7, 8], lid: [1, 2, 3, 11] } });
const generated = job('g', { dataset: 'dgm-generated', scores: { log_likelihood: [2, 3, 3, 4], lid: [11, 12, 12, 13] } });

test('a row: its two sets, the other positive set for context, one ROC per score and the dual frontier', () => {
  const plots = evaluationPlots([inDist, ood, generated], 't', 'm')!;
  expect(plots.sets.map((s) => [s.role, s.label, s.shown])).toEqual([
    ['in-distribution', 'fashion-mnist (test)', 4],
    ['ood', 'mnist (test)', 4],
    ['generated', 'fashion-mnist-gen', 4],
  ]);
  expect(plots.pair).toEqual(['log_likelihood', 'lid']);
  const byMetric = Object.fromEntries(plots.curves.map((c) => [c.metric, c]));
  expect(byMetric['auc:log_likelihood']!.auc).toBe(0); // every OOD point is more likely
  expect(byMetric['auc:lid']!.auc).toBeCloseTo(14.5 / 16) // one tie at 11 counts ½;
  const dual = byMetric['auc:dual:log_likelihood+lid']!;
  expect(dual.auc).toBeCloseTo(dualThresholdAuc({ x: [1, 2, 3, 4], y: [10, 11, 12, 13] }, { x: [5, 6, 7, 8], y: [1, 2, 3, 11] }));
  for (const c of plots.curves) {
    expect([c.fpr[0], c.tpr[0], c.fpr.at(-1), c.tpr.at(-1)]).toEqual([0, 0, 1, 1]);
  }
});

test('the operating point separates the sets: every in-distribution point inside the rectangle, no OOD point', () => {
  const separable = job('m2', { dataset: 'mnist', scores: { log_likelihood: [5, 6, 7, 8], lid: [1, 2, 3, 4] } });
  const { operatingPoint } = evaluationPlots([inDist, separable], 't', 'm2')!;
  expect(operatingPoint).toMatchObject({ scores: ['log_likelihood', 'lid'], tpr: 1, fpr: 0 });
  const inside = (x: number, y: number) => x >= operatingPoint!.x.threshold && y >= operatingPoint!.y.threshold;
  expect(inDist.scores.log_likelihood!.every((x, i) => inside(x, inDist.scores.lid![i]!))).toBe(true);
  expect(separable.scores.log_likelihood!.some((x, i) => inside(x, separable.scores.lid![i]!))).toBe(false);
});

test('a lower-is-in-distribution score keeps its raw threshold and direction', () => {
  const schema: ScoreSchema = {
    scores: [
      { name: 'log_likelihood', label: 'log-likelihood', direction: 'higher-is-in-distribution' },
      { name: 'loss', label: 'loss', direction: 'lower-is-in-distribution' },
    ],
    combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'loss'] }],
  };
  const p = job('p', { schema, dataset: 'fashion-mnist', scores: { log_likelihood: [5, 6], loss: [1, 2] } });
  const n = job('n', { schema, dataset: 'mnist', scores: { log_likelihood: [5, 6], loss: [8, 9] } });
  const { operatingPoint } = evaluationPlots([p, n], 'p', 'n')!;
  expect(operatingPoint!.y).toEqual({ threshold: 2, direction: 'lower-is-in-distribution' });
  expect([operatingPoint!.tpr, operatingPoint!.fpr]).toEqual([1, 0]);
});

test('large sets are subsampled (seeded, same points for every score); unknown jobs give undefined', () => {
  const n = PLOT_POINTS_PER_SET + 500;
  const big = job('big', { dataset: 'fashion-mnist', scores: { log_likelihood: Array.from({ length: n }, (_, i) => i), lid: Array.from({ length: n }, (_, i) => 2 * i) } });
  const plots = evaluationPlots([big, ood], 'big', 'm')!;
  const set = plots.sets[0]!;
  expect([set.points, set.shown]).toEqual([n, PLOT_POINTS_PER_SET]);
  expect(set.scores.lid).toEqual(set.scores.log_likelihood!.map((v) => 2 * v));
  expect(evaluationPlots([big, ood], 'big', 'nope')).toBeUndefined();
});

test('bestDualThreshold maximises TPR − FPR', () => {
  const best = bestDualThreshold({ x: [3, 4], y: [3, 4] }, { x: [1, 5], y: [5, 1] });
  expect(best).toEqual({ a: 3, b: 3, tpr: 1, fpr: 0 });
});
