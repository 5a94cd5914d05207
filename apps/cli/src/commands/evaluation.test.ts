import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { completeAttempt, createSweep, startAttempt, writeResults } from '@dgm-ood/jobs';
import { memoryIo } from '../test-io.js';
import { evaluationCommand } from './evaluation.js';

let db: TestDatabase;
let pool: Pool;
let previousUrl: string | undefined;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  previousUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = db.url;
  // The model: a training sweep's job (never run here: a reference resolves to it whatever its state).
  await createSweep(pool, {
    name: 'flows', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: [{ gridIndex: 0, name: 'fmnist-flow', point: {}, configJson: '{}', configHash: 't0' }],
  });
  // A finished OOD sweep: FMNIST test points (lower likelihood, higher LID) vs MNIST points, method from the config.
  const config = (dataset: string) =>
    JSON.stringify({ base_model: { sweep: 'flows', job: 0 }, ood: { method: 'lid' }, data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { dataloader_args: { dataset } } } });
  const { jobs } = await createSweep(pool, {
    name: 'cli-eval', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: ['fashion-mnist', 'mnist'].map((d, i) => ({ gridIndex: i, name: `fashion-mnist_vs_${d}`, point: {}, configJson: config(d), configHash: `h${i}` })),
  });
  for (const [i, job] of jobs.entries()) {
    const started = await startAttempt(pool, job.id, { workerId: 't' });
    if (started.status !== 'started') throw new Error('not started');
    const dataset = i === 0 ? 'fashion-mnist' : 'mnist';
    await writeResults(pool, job.id, 1, Array.from({ length: 5 }, (_, k) => ({ dataset, split: 'test', pointIndex: k, scores: { log_likelihood: k + 10 * i, lid: 50 + k - 40 * i } })));
    await completeAttempt(pool, job.id, 1, null);
  }
});
afterAll(async () => {
  process.env.DATABASE_URL = previousUrl;
  if (previousUrl === undefined) delete process.env.DATABASE_URL;
  await pool?.end();
  await db?.drop();
});

test('prints the AUC table of a sweep named on the command line, the model by its training run name', async () => {
  const io = memoryIo();
  expect(await evaluationCommand.run(['cli-eval'], io)).toBe(0);
  const lines = io.out.trim().split('\n');
  expect(lines[0]).toMatch(/^sweep cli-eval \(.*\), finished; protocol exact; AUC \[95% percentile bootstrap interval, 200 resamples\]; ±: std over seeds$/);
  expect(lines[1]).toMatch(/^model\s+method\s+positive\s+negative\s+n\+\s+n-\s+seeds\s+log_likelihood\s+lid\s+dual:log_likelihood\+lid\s+max$/);
  expect(lines[3]).toMatch(
    /^fmnist-flow\s+lid\s+fashion-mnist \(test\)\s+mnist\s+5\s+5\s+1\s+0\.000 \[0\.000, 0\.\d{3}\]\s+1\.000 \[1\.000, 1\.000\]\s+1\.000 \[1\.000, 1\.000\]\s+1\.000 \[1\.000, 1\.000\]$/,
  );
});

test('--json gives the stored table with named metrics; an unknown sweep is exit 2 with a message', async () => {
  const io = memoryIo();
  expect(await evaluationCommand.run(['cli-eval', '--json'], io)).toBe(0);
  const table = JSON.parse(io.out);
  expect(table.bootstrap).toEqual({ resamples: 200, seed: expect.any(Number), level: 0.95 });
  expect(table.rows[0]).toMatchObject({ model: 'fmnist-flow', method: 'lid', seeds: 1 });
  expect(table.rows[0].metrics.map((m: { metric: string; value: number }) => [m.metric, m.value])).toEqual([
    ['auc:log_likelihood', 0], ['auc:lid', 1], ['auc:dual:log_likelihood+lid', 1], ['auc:max', 1],
  ]);
  const missing = memoryIo();
  expect(await evaluationCommand.run(['no-such-sweep'], missing)).toBe(2);
  expect(missing.err).toBe('dgm-ood evaluation: no sweep named no-such-sweep\n');
});
