import { expect, test } from 'vitest';
import { rocAuc } from './roc-auc.js';
import { LEGACY_SCORE_SCHEMA, type ScoreSchema } from './score-schema.js';
import { buildEvaluationTable, classifyJob, formatEvaluationTable, rowMetric, type ScoredJob } from './sweep-table.js';

const LIKELIHOOD_ONLY: ScoreSchema = { scores: [LEGACY_SCORE_SCHEMA.scores[0]!], combinations: [] };
const noBootstrap = { bootstrap: { resamples: 0, seed: 1, level: 0.95 } };

function job(id: string, fields: Partial<ScoredJob> & { dataset: string; scores: Record<string, number[]> }): ScoredJob {
  return {
    jobId: id, jobName: id, modelKey: 'm1', modelLabel: 'flow', method: 'lid', variantKey: '', variant: '', seedKey: '',
    inDistribution: 'fashion-mnist', split: 'test', schema: LEGACY_SCORE_SCHEMA, points: Object.values(fields.scores)[0]?.length ?? 0,
    ...fields,
  };
}

test('jobs are classified like the reference parse_table', () => {
  const at = (dataset: string, split = 'test') => classifyJob({ dataset, split, inDistribution: 'fashion-mnist' });
  expect(at('fashion-mnist')).toBe('test');
  expect(at('fashion-mnist', 'train')).toBe('train');
  expect(at('dgm-generated')).toBe('generated');
  expect(at('mnist')).toBe('ood');
});

test('two methods × two OOD datasets: one row per (model, method, pair), never mixing methods or models', () => {
  // The likelihood method's positives score low, the LID method's high: mixing them would change every AUC.
  const jobs = [
    job('lik-t', { method: 'likelihood', schema: LIKELIHOOD_ONLY, dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3] } }),
    job('lik-m', { method: 'likelihood', schema: LIKELIHOOD_ONLY, dataset: 'mnist', scores: { log_likelihood: [2, 5, 6] } }),
    job('lik-o', { method: 'likelihood', schema: LIKELIHOOD_ONLY, dataset: 'omniglot', scores: { log_likelihood: [0, 1, 2] } }),
    job('lid-t', { dataset: 'fashion-mnist', scores: { log_likelihood: [10, 11, 12], lid: [9, 8, 7] } }),
    job('lid-m', { dataset: 'mnist', scores: { log_likelihood: [4, 5, 6], lid: [1, 2, 3] } }),
    job('lid-o', { dataset: 'omniglot', scores: { log_likelihood: [0, 1, 2], lid: [5, 5, 5] } }),
    job('other-m', { modelKey: 'm2', modelLabel: 'other', dataset: 'mnist', scores: { log_likelihood: [9, 9, 9], lid: [0, 0, 0] } }),
  ];
  const rows = buildEvaluationTable(jobs, noBootstrap);
  expect(rows.map((r) => [r.model, r.method, r.positive, r.negative, r.positiveJobIds, r.negativeJobIds])).toEqual([
    ['flow', 'likelihood', 'test', 'mnist', ['lik-t'], ['lik-m']],
    ['flow', 'likelihood', 'test', 'omniglot', ['lik-t'], ['lik-o']],
    ['flow', 'lid', 'test', 'mnist', ['lid-t'], ['lid-m']],
    ['flow', 'lid', 'test', 'omniglot', ['lid-t'], ['lid-o']],
  ]);
  expect(rows[0]!.metrics.map((m) => m.metric)).toEqual(['auc:log_likelihood', 'auc:max']);
  expect(rows[2]!.metrics.map((m) => m.metric)).toEqual(['auc:log_likelihood', 'auc:lid', 'auc:dual:log_likelihood+lid', 'auc:max']);
  expect(rowMetric(rows[0]!, 'auc:log_likelihood')!.value).toBe(rocAuc([1, 2, 3], [2, 5, 6]));
  expect(rowMetric(rows[2]!, 'auc:log_likelihood')!.value).toBe(1);
  expect(rowMetric(rows[3]!, 'auc:lid')!.value).toBe(1);
});

test('test and generated positives against each negative; positives pair only with negatives of their own seeds', () => {
  const seeds = (s: number) => ({ seedKey: `{"ood.seed":${s}}` });
  const jobs = [
    job('t1', { ...seeds(1), dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3, 4] } }),
    job('t2', { ...seeds(2), dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3, 4] } }),
    job('g1', { ...seeds(1), dataset: 'dgm-generated', scores: { log_likelihood: [5, 6, 7, 8] } }),
    job('m1', { ...seeds(1), dataset: 'mnist', scores: { log_likelihood: [0, 0, 0, 0] } }), // AUC 1 against t1
    job('m2', { ...seeds(2), dataset: 'mnist', scores: { log_likelihood: [2.5, 2.5, 2.5, 2.5] } }), // AUC 0.5 against t2
  ];
  const rows = buildEvaluationTable(jobs, noBootstrap);
  expect(rows.map((r) => [r.positive, r.negative, r.seeds, r.positiveJobIds, r.negativeJobIds])).toEqual([
    ['test', 'mnist', 2, ['t1', 't2'], ['m1', 'm2']],
    ['generated', 'mnist', 1, ['g1'], ['m1']],
  ]);
  const likelihood = rowMetric(rows[0]!, 'auc:log_likelihood')!;
  expect(likelihood.value).toBe(0.75);
  expect(likelihood.std).toBeCloseTo(Math.SQRT1_2 / 2, 12);
  expect(rowMetric(rows[1]!, 'auc:log_likelihood')!.std).toBeNull();
});

test('jobs of one model and method with other settings (variants) are kept apart', () => {
  const jobs = [
    job('a-t', { variantKey: 'a', variant: 'ood.points=3', dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3] } }),
    job('b-t', { variantKey: 'b', variant: 'ood.points=4', dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3, 4] } }),
    job('a-m', { variantKey: 'a', variant: 'ood.points=3', dataset: 'mnist', scores: { log_likelihood: [0, 0, 9] } }),
    job('b-m', { variantKey: 'b', variant: 'ood.points=4', dataset: 'mnist', scores: { log_likelihood: [0, 0, 0, 0] } }),
  ];
  const rows = buildEvaluationTable(jobs, noBootstrap);
  expect(rows.map((r) => [r.variant, r.positiveJobIds, r.negativeJobIds])).toEqual([
    ['ood.points=3', ['a-t'], ['a-m']],
    ['ood.points=4', ['b-t'], ['b-m']],
  ]);
  expect(formatEvaluationTable(rows).split('\n')[0]).toMatch(/^model\s+method\s+variant\s+positive/);
});

test('the text table has one column per metric, value and interval, seeds with their spread', () => {
  const jobs = [
    job('t', { dataset: 'fashion-mnist', scores: { log_likelihood: [1, 2, 3], lid: [9, 8, 7] } }),
    job('m', { dataset: 'mnist', scores: { log_likelihood: [4, 5, 6], lid: [1, 2, 3] } }),
  ];
  const lines = formatEvaluationTable(buildEvaluationTable(jobs, { bootstrap: { resamples: 20, seed: 1, level: 0.95 } })).split('\n');
  expect(lines[0]).toMatch(/^model\s+method\s+positive\s+negative\s+n\+\s+n-\s+seeds\s+log_likelihood\s+lid\s+dual:log_likelihood\+lid\s+max$/);
  expect(lines[2]).toMatch(/^flow\s+lid\s+fashion-mnist \(test\)\s+mnist\s+3\s+3\s+1\s+0\.000 \[0\.000, 0\.\d{3}\]\s+1\.000 \[[01]\.\d{3}, 1\.000\]/);
});
