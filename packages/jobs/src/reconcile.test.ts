import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { closeQueues, createQueues, createRedis, enqueueJobs, type Queues, type Redis } from '@dgm-ood/queue';
import { reconcileQueues } from './reconcile.js';
import { createSweep } from './sweeps.js';

let db: TestDatabase;
let pool: Pool;
let redis: Redis;
let queues: Queues;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  queues = createQueues(redis, `t${randomBytes(5).toString('hex')}`);
});
afterAll(async () => {
  await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})));
  await closeQueues(queues);
  redis.disconnect();
  await pool.end();
  await db.drop();
});

test('jobs queued in Postgres but missing from Redis are enqueued again, the others left alone', async () => {
  const { sweepId, jobs } = await createSweep(pool, {
    name: 'r', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [0, 1, 2].map((i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: '{}', configHash: `h${i}` })),
  });
  // Only job 0 made it into the queue (as if the coordinator died after the commit).
  await enqueueJobs(queues, [{ jobId: jobs[0]!.id, sweepId, kind: 'train' }]);
  expect(await reconcileQueues(pool, queues, { graceMs: 0 })).toEqual({ enqueued: 2 });
  const waiting = await queues.train.getWaiting();
  expect(waiting.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
  expect(await reconcileQueues(pool, queues, { graceMs: 0 })).toEqual({ enqueued: 0 });
});

test('fresh submissions are not raced: jobs younger than the grace period are skipped', async () => {
  await createSweep(pool, {
    name: 'fresh', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{}', configHash: 'h' }],
  });
  expect(await reconcileQueues(pool, queues, { graceMs: 60_000 })).toEqual({ enqueued: 0 });
});
