import { expect, test } from 'vitest';
import { useTestDatabase } from '@dgm-ood/db/vitest';
import type { JsonValue } from './contract.js';
import { completeAttempt, startAttempt, writeResults } from './lifecycle.js';
import { loadScoredJobs } from './sweep-evaluation.js';
import { createSweep } from './sweeps.js';

const database = useTestDatabase();

/** A finished OOD sweep of the given configs (and summaries), each job scoring two points of its dataset. */
async function sweepOf(jobs: { config: Record<string, JsonValue>; summary?: JsonValue }[]): Promise<string> {
  const { sweepId, jobs: created } = await createSweep(database.pool, {
    name: 'load', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: jobs.map((j, i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: JSON.stringify(j.config), configHash: `h${i}` })),
  });
  for (const [i, job] of created.entries()) {
    await startAttempt(database.pool, job.id, { workerId: 'w' });
    const dataset = ((jobs[i]!.config.data as { out_of_distribution: { dataloader_args: { dataset: string } } }).out_of_distribution.dataloader_args.dataset);
    await writeResults(database.pool, job.id, 1, [0, 1].map((k) => ({ dataset, split: 'test', pointIndex: k, scores: { log_likelihood: k, lid: k === 0 ? null : 3 } })));
    await completeAttempt(database.pool, job.id, 1, jobs[i]!.summary ?? null);
  }
  return sweepId;
}

const config = (dataset: string, ood: Record<string, JsonValue>) => ({
  base_model: { checkpoint_dir: 'runs/flow' },
  data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { dataloader_args: { dataset } } },
  ood,
});

test('jobs are keyed by model, method (summary, else ood.method), variant (other settings) and seeds; incomplete scores are left out', async () => {
  const sweepId = await sweepOf([
    { config: config('fashion-mnist', { method: 'ood.lid', seed: 1, points: 2 }), summary: { method: 'lid' } },
    { config: config('mnist', { method: 'ood.lid', seed: 2, points: 2 }), summary: { method: 'lid' } },
    { config: config('mnist', { method: 'ood.lid', seed: 1, points: 4 }), summary: { method: 'lid' } },
    { config: config('mnist', { method: 'ood.lid', seed: 1, points: 4 }) },
  ]);
  const jobs = await loadScoredJobs(database.pool, sweepId);
  expect(jobs.map((j) => [j.modelLabel, j.method, j.variant, j.seedKey, j.dataset, Object.keys(j.scores)])).toEqual([
    ['runs/flow', 'lid', 'ood.points=2', '[["ood.seed","1"]]', 'fashion-mnist', ['log_likelihood']],
    ['runs/flow', 'lid', 'ood.points=2', '[["ood.seed","2"]]', 'mnist', ['log_likelihood']],
    ['runs/flow', 'lid', 'ood.points=4', '[["ood.seed","1"]]', 'mnist', ['log_likelihood']],
    ['runs/flow', 'ood.lid', '', '[["ood.seed","1"]]', 'mnist', ['log_likelihood']],
  ]);
  expect(jobs[0]!.variantKey).toBe(jobs[1]!.variantKey);
  expect(jobs[0]!.schema.combinations).toEqual([{ kind: 'dual-threshold', scores: ['log_likelihood', 'lid'] }]);
});

test('a summary with an invalid score schema fails the evaluation with the job and every problem named', async () => {
  const sweepId = await sweepOf([
    { config: config('mnist', {}), summary: { method: 'x', scoreSchema: { scores: [{ name: 'Bad', direction: 'higher-is-in-distribution' }] } } },
  ]);
  const { rows } = await database.pool.query('SELECT id FROM jobs WHERE sweep_id = $1', [sweepId]);
  await expect(loadScoredJobs(database.pool, sweepId)).rejects.toMatchObject({
    code: 'DGM_SCORE_SCHEMA_INVALID',
    message: `job ${rows[0].id}: summary.scoreSchema is invalid: scores[0].name "Bad" is not snake_case`,
  });
});
