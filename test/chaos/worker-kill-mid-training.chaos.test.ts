import { expect, test } from 'vitest';
import { expectRecovered } from './chaos-report.js';
import { fixtureSweep } from './chaos-system.js';
import { waitUntil } from './processes.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem();

test('worker kill -9 mid-training: another worker resumes the jobs from their checkpoints; every job succeeds with exactly its rows', async () => {
  const { system } = chaos;
  const started = Date.now();
  await system.submit(fixtureSweep('counter', 4, { steps: 12, stepMs: 150 }), { kind: 'train', name: 'chaos-worker-kill-training' });
  const first = await system.startWorker({ concurrency: 2 });
  await system.whenRunning({ step: 3 });
  await first.kill9();
  // Its handler processes notice the lost parent and end: none trains on as an orphan.
  const orphans = await waitUntil('the killed worker\'s handler processes to end', () => (first.groupAlive() ? undefined : 0), 30_000).catch(() => 1);
  await system.startWorker({ concurrency: 2 });

  const outcome = await system.settle(4, () => ({ dataset: 'fixture', split: 'test', points: 12 }));
  expectRecovered({ fault: 'worker kill -9 mid-training', started, jobs: 4, rows: 4 * 12, outcome, also: { 'orphaned handler processes': { expected: 0, found: orphans } } });
  // The kill hit running jobs, and the one past its third checkpoint went on from a checkpoint, not from zero.
  const { rows: [taken] } = await system.pool.query(
    `SELECT count(DISTINCT a.job_id)::int AS interrupted, count(DISTINCT a.job_id) FILTER (WHERE (j.summary->>'resumedFrom')::int > 0)::int AS resumed
     FROM job_attempts a JOIN jobs j ON j.id = a.job_id WHERE a.outcome = 'interrupted'`,
  );
  expect(taken.interrupted).toBeGreaterThanOrEqual(1);
  expect(taken.resumed).toBeGreaterThanOrEqual(1);
});
