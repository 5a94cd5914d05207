import { expect, test } from 'vitest';
import { expectRecovered } from './chaos-report.js';
import { fixtureSweep } from './chaos-system.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem({ redisAppendOnly: false });

test('Redis restart without persistence, then a worker kill -9: reconcile re-enqueues the queued jobs and requeues the running ones no one holds; every job succeeds with exactly its rows', async () => {
  const { system } = chaos;
  const started = Date.now();
  await system.submit(fixtureSweep('counter', 6, { steps: 10, stepMs: 150 }), { kind: 'train', name: 'chaos-redis-restart-empty' });
  const [doomed, survivor] = await Promise.all([system.startWorker(), system.startWorker()]);
  await system.whenRunning({ step: 2, running: 2, queued: 1 });
  await system.redis.restart(); // comes back empty: every queue entry and lease is gone
  await doomed.kill9(); // its running job is now held by no worker and no queue
  await system.startWorker();

  const outcome = await system.settle(6, () => ({ dataset: 'fixture', split: 'test', points: 10 }));
  const exited = [survivor, system.coordinator!].filter((p) => !p.running()).length;
  expectRecovered({ fault: 'Redis restart without persistence (+ worker kill -9)', started, jobs: 6, rows: 6 * 10, outcome, also: { 'processes exited': { expected: 0, found: exited } } });
  // The killed worker's job came back through reconcile, not through a queue.
  const { rows: [lost] } = await system.pool.query(`SELECT count(DISTINCT job_id)::int AS n FROM job_attempts WHERE error LIKE 'lost:%'`);
  expect(lost.n).toBeGreaterThanOrEqual(1);
});
