import { test } from 'vitest';
import { expectRecovered } from './chaos-report.js';
import { fixtureSweep } from './chaos-system.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem();

test('worker kill -9 mid-COPY of score rows: the open COPY is rolled back, the retry replaces the committed part; every job succeeds with exactly its rows', async () => {
  const { system } = chaos;
  const started = Date.now();
  await system.submit(fixtureSweep('ingest', 2, { points: 120_000, batches: 4 }), { kind: 'ood', name: 'chaos-worker-kill-ingestion' });
  const first = await system.startWorker();
  await system.whenCopyingScores();
  await first.kill9();
  await system.startWorker();

  const outcome = await system.settle(2, () => ({ dataset: 'fixture', split: 'test', points: 120_000 }));
  const { rows: [attempts] } = await system.pool.query(`SELECT count(*) FILTER (WHERE outcome = 'interrupted')::int AS interrupted FROM job_attempts`);
  // One attempt interrupted: the one the kill hit, taken over by the second worker.
  expectRecovered({ fault: 'worker kill -9 mid-ingestion (COPY)', started, jobs: 2, rows: 2 * 120_000, outcome, also: { 'attempts interrupted': { expected: 1, found: attempts.interrupted } } });
});
