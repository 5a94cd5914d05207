import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { closeQueues, createQueues, createRedis, enqueueJobs, queueFor, type Queues, type Redis } from '@dgm-ood/queue';
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
  await Promise.all([...Object.values(queues), queueFor(queues, 'train', 'gpu-24gib')].map((q) => q.obliterate({ force: true }).catch(() => {})));
  await closeQueues(queues);
  redis.disconnect();
  await pool.end();
  await db.drop();
});

test('a lost job with resources is enqueued again into its requirement class queue, and one held there is left alone', async () => {
  const config = JSON.stringify({ fixture: 'succeed', resources: { device: 'gpu', memory_gib: 24 } });
  const { sweepId, jobs } = await createSweep(pool, {
    name: 'r', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [0, 1].map((i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: config, configHash: `h${i}` })),
  });
  const [held, lost] = jobs.map((j) => j.id) as [string, string];
  await enqueueJobs(queues, [{ jobId: held, sweepId, kind: 'train', requirementClass: 'gpu-24gib' }]);
  expect(await reconcileQueues(pool, queues, { graceMs: 0 })).toEqual({ enqueued: 1, recovered: 0 });
  const waiting = await queueFor(queues, 'train', 'gpu-24gib').getWaiting();
  expect(waiting.map((j) => j.id).sort()).toEqual([held, lost].sort());
  expect(await queues.train.getWaitingCount()).toBe(0);
});
