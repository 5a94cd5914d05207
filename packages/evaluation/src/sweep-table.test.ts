import { expect, test } from 'vitest';
import { buildEvaluationTable, classifyJob, formatEvaluationTable, type ScoredJob } from './sweep-table.js';
import { dualThresholdAuc } from './dual-threshold.js';
import { rocAuc } from './roc-auc.js';

const job = (id: string, model: string, dataset: string, ll: number[], lid: number[], split = 'test'): ScoredJob => ({
  jobId: id, jobName: id, modelKey: model, modelLabel: model, inDistribution: 'fashion-mnist', dataset, split, logLikelihood: ll, lid,
});

test('jobs are classified like the reference parse_table', () => {
  expect(classifyJob(job('a', 'm', 'fashion-mnist', [], []))).toBe('test');
  expect(classifyJob(job('a', 'm', 'fashion-mnist', [], [], 'train'))).toBe('train');
  expect(classifyJob(job('a', 'm', 'dgm-generated', [], []))).toBe('generated');
  expect(classifyJob(job('a', 'm', 'mnist', [], []))).toBe('ood');
});

test('per model: test and generated positives against every other dataset; models are not mixed', () => {
  const jobs = [
    job('t', 'flow', 'fashion-mnist', [1, 2, 3], [9, 8, 7]),
    job('g', 'flow', 'dgm-generated', [2, 3, 4], [8, 8, 9]),
    job('m', 'flow', 'mnist', [4, 5, 6], [1, 2, 3]),
    job('o', 'flow', 'omniglot', [0, 1, 2], [5, 5, 5]),
    job('x', 'other', 'mnist', [9, 9, 9], [0, 0, 0]),
  ];
  const rows = buildEvaluationTable(jobs);
  expect(rows.map((r) => [r.model, r.positive, r.negative])).toEqual([
    ['flow', 'test', 'mnist'], ['flow', 'test', 'omniglot'], ['flow', 'generated', 'mnist'], ['flow', 'generated', 'omniglot'],
  ]);
  const first = rows[0]!;
  expect(first.naiveAuc).toBe(rocAuc([1, 2, 3], [4, 5, 6]));
  expect(first.dualAuc).toBe(dualThresholdAuc({ x: [1, 2, 3], y: [9, 8, 7] }, { x: [4, 5, 6], y: [1, 2, 3] }));
  expect(first.reportedAuc).toBe(Math.max(first.naiveAuc, first.dualAuc!));
  expect(formatEvaluationTable(rows).split('\n')[2]).toMatch(/^flow\s+fashion-mnist \(test\)\s+mnist\s+3\s+3\s+0\.000\s+1\.000\s+1\.000\s+1\.000$/);
});

test('without LID only the likelihood AUC is reported', () => {
  const rows = buildEvaluationTable([job('t', 'f', 'fashion-mnist', [1, 2], []), job('m', 'f', 'mnist', [0, 3], [])]);
  expect(rows[0]).toMatchObject({ naiveAuc: 0.5, dualAuc: null, reportedAuc: 0.5, lidAuc: null });
});
