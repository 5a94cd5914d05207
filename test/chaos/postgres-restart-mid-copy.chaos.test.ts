import { test } from 'vitest';
import { expectRecovered } from './chaos-report.js';
import { fixtureSweep } from './chaos-system.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem();

test('PostgreSQL restart mid-COPY: the attempt fails and is retried, no process dies; every job succeeds with exactly its rows', async () => {
  const { system } = chaos;
  const started = Date.now();
  await system.submit(fixtureSweep('ingest', 2, { points: 120_000, batches: 4 }), { kind: 'ood', name: 'chaos-postgres-restart' });
  const worker = await system.startWorker();
  await system.whenCopyingScores();
  await system.postgres.restart();

  const outcome = await system.settle(2, () => ({ dataset: 'fixture', split: 'test', points: 120_000 }));
  const { rows: [attempts] } = await system.pool.query(`SELECT count(*) FILTER (WHERE outcome <> 'succeeded')::int AS ended FROM job_attempts`);
  const exited = [worker, system.coordinator!].filter((p) => !p.running()).length;
  // One attempt ended otherwise than succeeded: the one whose COPY the restart broke, and only it.
  expectRecovered({
    fault: 'PostgreSQL restart mid-COPY', started, jobs: 2, rows: 2 * 120_000, outcome,
    also: { 'attempts ended by the restart': { expected: 1, found: attempts.ended }, 'processes exited': { expected: 0, found: exited } },
  });
});
