import { afterAll, beforeAll, expect, test } from 'vitest';
import { completeAttempt, createSweep, startAttempt, writeResults, type JsonValue } from '@dgm-ood/jobs';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

// An OOD sweep over two methods × (the model's test split, two OOD datasets) × two seeds, stored as the
// OOD runner stores it: rows of named scores, a summary with the method and its score schema, provenance.
const LIKELIHOOD_SCHEMA = {
  scores: [{ name: 'log_likelihood', label: 'log-likelihood', direction: 'higher-is-in-distribution' }],
  combinations: [],
};
const LID_SCHEMA = {
  scores: [
    { name: 'log_likelihood', label: 'log-likelihood', direction: 'higher-is-in-distribution' },
    { name: 'lid', label: 'LID', direction: 'higher-is-in-distribution' },
  ],
  combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'lid'] }],
};
const POINTS = 8;
const range = (f: (k: number) => number) => Array.from({ length: POINTS }, (_, k) => f(k));

/**
 * Per method and dataset (and seed), the scores of its points. The likelihood method ranks FMNIST above
 * both OOD sets (omniglot ties on seed 2); the LID method has the paradox: OOD data more likely, lower LID.
 * Pairing across methods would change every AUC below.
 */
function scoresOf(method: string, dataset: string, seed: number): Record<string, number>[] {
  if (method === 'likelihood') {
    const ll = { 'fashion-mnist': range((k) => 10 + k), mnist: range((k) => k), omniglot: range((k) => (seed === 1 ? k : 10 + k)) }[dataset]!;
    return ll.map((v) => ({ log_likelihood: v }));
  }
  const ll = dataset === 'fashion-mnist' ? range((k) => k) : range((k) => 100 + k);
  const lid = { 'fashion-mnist': range((k) => 50 + k), mnist: range((k) => k), omniglot: range((k) => 50 + k) }[dataset]!;
  return ll.map((v, k) => ({ log_likelihood: v, lid: lid[k]! }));
}

let h: CoordinatorHarness;
let sweepId: string;
const jobIds = new Map<string, string>();
beforeAll(async () => {
  h = await createCoordinatorHarness();
  const train = await createSweep(h.pool, {
    name: 'flows-train', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: [{ gridIndex: 0, name: 'fmnist-rqnsf', point: {}, configJson: '{}', configHash: 't' }],
  });
  const grid = ['likelihood', 'lid'].flatMap((method) =>
    ['fashion-mnist', 'mnist', 'omniglot'].flatMap((dataset) => [1, 2].map((seed) => ({ method, dataset, seed }))),
  );
  const created = await createSweep(h.pool, {
    name: 'methods', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: grid.map(({ method, dataset, seed }, i) => ({
      gridIndex: i, name: `${method}_${dataset}_${seed}`, point: {}, configHash: `h${i}`,
      configJson: JSON.stringify({
        base_model: { sweep: train.sweepId, job: 0 },
        data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { dataloader_args: { dataset } } },
        ood: { method: `ood.${method}`, seed },
      }),
    })),
  });
  sweepId = created.sweepId;
  for (const [i, { method, dataset, seed }] of grid.entries()) {
    const jobId = created.jobs[i]!.id;
    jobIds.set(`${method}/${dataset}/${seed}`, jobId);
    const started = await startAttempt(h.pool, jobId, { workerId: 'w', backend: 'wasm', provenance: { codeVersion: 'abc1234', backend: 'wasm' } });
    if (started.status !== 'started') throw new Error(`job ${i} did not start`);
    await writeResults(h.pool, jobId, 1, scoresOf(method, dataset, seed).map((scores, k) => ({ dataset, split: 'test', pointIndex: k, scores })));
    const summary = { method, scoreSchema: method === 'lid' ? LID_SCHEMA : LIKELIHOOD_SCHEMA, points: POINTS } as JsonValue;
    await completeAttempt(h.pool, jobId, 1, summary);
  }
});
afterAll(async () => {
  await h?.close();
});

test('GET /sweeps/:id/evaluation: one row per (model, method, pair), seeds aggregated, named metrics with intervals; stored', async () => {
  const evaluation = (await h.app.inject({ url: `/sweeps/${sweepId}/evaluation` })).json();
  expect(evaluation).toMatchObject({ complete: true, protocol: { name: 'exact' }, bootstrap: { resamples: 200, level: 0.95 } });
  const ids = (method: string, dataset: string) => [1, 2].map((seed) => jobIds.get(`${method}/${dataset}/${seed}`));
  expect(evaluation.rows.map((r: Record<string, unknown>) => [r.model, r.method, r.positive, r.negative, r.seeds, r.positiveJobIds, r.negativeJobIds])).toEqual([
    ['fmnist-rqnsf', 'likelihood', 'test', 'mnist', 2, ids('likelihood', 'fashion-mnist'), ids('likelihood', 'mnist')],
    ['fmnist-rqnsf', 'likelihood', 'test', 'omniglot', 2, ids('likelihood', 'fashion-mnist'), ids('likelihood', 'omniglot')],
    ['fmnist-rqnsf', 'lid', 'test', 'mnist', 2, ids('lid', 'fashion-mnist'), ids('lid', 'mnist')],
    ['fmnist-rqnsf', 'lid', 'test', 'omniglot', 2, ids('lid', 'fashion-mnist'), ids('lid', 'omniglot')],
  ]);
  type Metric = { metric: string; value: number; std: number | null; ci: { low: number; high: number } | null };
  const metrics = (row: number) => Object.fromEntries((evaluation.rows[row].metrics as Metric[]).map((m) => [m.metric, m]));
  expect(Object.keys(metrics(0))).toEqual(['auc:log_likelihood', 'auc:max']);
  expect(Object.keys(metrics(2))).toEqual(['auc:log_likelihood', 'auc:lid', 'auc:dual:log_likelihood+lid', 'auc:max']);
  expect(metrics(0)['auc:log_likelihood']).toMatchObject({ value: 1, std: 0 });
  expect(metrics(1)['auc:log_likelihood']).toMatchObject({ value: 0.75 });
  expect(metrics(1)['auc:log_likelihood']!.std).toBeCloseTo(Math.SQRT1_2 / 2, 12);
  expect(metrics(2)['auc:log_likelihood']!.value).toBe(0);
  expect(metrics(2)['auc:dual:log_likelihood+lid']!.value).toBe(1);
  expect(metrics(2)['auc:max']!.value).toBe(1);
  expect(metrics(3)['auc:lid']!.value).toBe(0.5);
  for (const row of evaluation.rows) {
    for (const m of row.metrics as Metric[]) {
      expect(m.ci!.low, m.metric).toBeLessThanOrEqual(m.value);
      expect(m.ci!.high, m.metric).toBeGreaterThanOrEqual(m.value);
    }
  }

  const stored = await h.pool.query(`SELECT metric, count(*)::int AS n FROM evaluations WHERE sweep_id = $1 GROUP BY metric ORDER BY metric`, [sweepId]);
  expect(stored.rows).toEqual([
    { metric: 'auc:dual:log_likelihood+lid', n: 2 }, { metric: 'auc:lid', n: 2 }, { metric: 'auc:log_likelihood', n: 4 }, { metric: 'auc:max', n: 4 },
  ]);
  expect((await h.app.inject({ url: `/sweeps/${sweepId}/evaluation` })).json()).toEqual(evaluation);
});

test('the results CSV: job, method and provenance columns, then one column per named score across the sweep', async () => {
  const csv = await h.app.inject({ url: `/sweeps/${sweepId}/results`, headers: { accept: 'text/csv' } });
  const lines = csv.body.trim().split('\n');
  expect(lines[0]).toBe('job_id,grid_index,job_name,method,code_version,backend,dataset,split,point_index,log_likelihood,lid');
  expect(lines).toHaveLength(1 + 12 * POINTS);
  const row = (job: string, point: number) => lines.find((l) => l.startsWith(`${jobIds.get(job)},`) && l.split(',')[8] === String(point))!.split(',');
  expect(row('likelihood/mnist/1', 3).slice(1)).toEqual(['2', 'likelihood_mnist_1', 'likelihood', 'abc1234', 'wasm', 'mnist', 'test', '3', '3', '']);
  expect(row('lid/omniglot/2', 3).slice(1)).toEqual(['11', 'lid_omniglot_2', 'lid', 'abc1234', 'wasm', 'omniglot', 'test', '3', '103', '53']);
  const json = (await h.app.inject({ url: `/sweeps/${sweepId}/results?limit=1` })).json();
  expect(json.items[0]).toMatchObject({ pointIndex: 0, scores: { log_likelihood: 10 } });
});
