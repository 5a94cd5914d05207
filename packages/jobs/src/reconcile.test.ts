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
  expect(await reconcileQueues(pool, queues, { graceMs: 0 })).toEqual({ enqueued: 2, recovered: 0 });
  const waiting = await queues.train.getWaiting();
  expect(waiting.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
  expect(await reconcileQueues(pool, queues, { graceMs: 0 })).toEqual({ enqueued: 0, recovered: 0 });
});

test('fresh submissions are not raced: jobs younger than the grace period are skipped', async () => {
  await createSweep(pool, {
    name: 'fresh', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{}', configHash: 'h' }],
  });
  expect(await reconcileQueues(pool, queues, { graceMs: 60_000 })).toEqual({ enqueued: 0, recovered: 0 });
});

test('waiting jobs whose prerequisite succeeded are released; those whose prerequisite failed fail', async () => {
  const train = await createSweep(pool, {
    name: 'pre', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [0, 1].map((i) => ({ gridIndex: i, name: `t${i}`, point: {}, configJson: '{}', configHash: `t${i}` })),
  });
  const [ok, bad] = train.jobs.map((j) => j.id);
  const ood = await createSweep(pool, {
    name: 'dep', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [ok!, bad!].map((dep, i) => ({ gridIndex: i, name: `o${i}`, point: {}, configJson: '{}', configHash: `o${i}`, dependsOn: [dep] })),
  });
  expect(ood.jobs.map((j) => j.state)).toEqual(['waiting', 'waiting']);
  // As if the transitions had happened without their follow-up (a crash in between).
  await pool.query(`UPDATE jobs SET state = 'succeeded' WHERE id = $1`, [ok]);
  await pool.query(`UPDATE jobs SET state = 'failed', error = 'boom' WHERE id = $1`, [bad]);
  await reconcileQueues(pool, queues, { graceMs: 0 });
  const { rows } = await pool.query(`SELECT state, error FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`, [ood.sweepId]);
  expect(rows[0]).toEqual({ state: 'queued', error: null });
  expect(rows[1].state).toBe('failed');
  expect(rows[1].error).toMatch(/^dependency failed: job 1 \(t1\) of sweep pre failed: boom$/);
  expect((await queues.ood.getJob(ood.jobs[0]!.id))?.id).toBe(ood.jobs[0]!.id);
});
