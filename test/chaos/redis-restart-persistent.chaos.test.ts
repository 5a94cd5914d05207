import { test } from 'vitest';
import { expectRecovered } from './chaos-report.js';
import { fixtureSweep } from './chaos-system.js';
import { useChaosSystem } from './use-chaos-system.js';

const chaos = useChaosSystem({ redisAppendOnly: true });

test('Redis restart with an append-only file: the queues survive, workers and coordinator reconnect; every job succeeds with exactly its rows', async () => {
  const { system } = chaos;
  const started = Date.now();
  await system.submit(fixtureSweep('counter', 6, { steps: 10, stepMs: 150 }), { kind: 'train', name: 'chaos-redis-restart-aof' });
  const worker = await system.startWorker({ concurrency: 2 });
  await system.whenRunning({ step: 2, queued: 1 });
  await system.redis.restart();
  // Every job's entry is still there (none is 'unknown'); reconcile would add back only a queued job, and none is lost here.
  const kept = 6 - ((await system.queueStates()).unknown ?? 0);

  const outcome = await system.settle(6, () => ({ dataset: 'fixture', split: 'test', points: 10 }));
  const exited = [worker, system.coordinator!].filter((p) => !p.running()).length;
  expectRecovered({
    fault: 'Redis restart with persistence (AOF)', started, jobs: 6, rows: 6 * 10, outcome,
    also: { 'jobs Redis kept': { expected: 6, found: kept }, 'processes exited': { expected: 0, found: exited } },
  });
});
