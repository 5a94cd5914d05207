import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { closeQueues, createQueues, createRedis, type Queues, type Redis } from '@dgm-ood/queue';
import { completeAttempt, startAttempt } from './lifecycle.js';
import { reconcileQueues } from './reconcile.js';
import { createSweep } from './sweeps.js';

let db: TestDatabase;
let pool: Pool;
let redis: Redis;
let queues: Queues;
const prefix = `t${randomBytes(5).toString('hex')}`;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  queues = createQueues(redis, prefix);
});
afterAll(async () => {
  await Promise.all(Object.values(queues).map((q) => q.obliterate({ force: true }).catch(() => {})));
  await closeQueues(queues);
  redis.disconnect();
  await pool.end();
  await db.drop();
});

// Named failure fixture (seen once in the chaos suite: 1002 attempts for 1000 jobs): reconcile reads the queued jobs,
// then asks Redis about each in turn; a worker takes, runs and finishes one in between, its queue entry is removed on
// completion, and reconcile — seeing no entry — enqueued it again, so it ran twice.
test('a job that a worker ran and finished while reconcile was checking it is not enqueued again', async () => {
  const { jobs } = await createSweep(pool, {
    name: 'raced', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'raced0', point: {}, configJson: '{}', configHash: 'raced0' }],
  });
  const id = jobs[0]!.id;
  await pool.query(`UPDATE jobs SET state = 'queued', updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
  const getJobState = queues.ood.getJobState.bind(queues.ood);
  queues.ood.getJobState = async (jobId: string) => {
    // The worker's whole attempt happens between reconcile's query and its look at the queue.
    const started = await startAttempt(pool, jobId, { workerId: 'w:1', provenance: {} });
    if (started.status !== 'started') throw new Error('the attempt did not start');
    await completeAttempt(pool, jobId, started.job.attempt, undefined);
    return getJobState(jobId);
  };
  try {
    expect(await reconcileQueues(pool, queues, { graceMs: 0 })).toEqual({ enqueued: 0, recovered: 0 });
  } finally {
    queues.ood.getJobState = getJobState;
  }
  expect(await queues.ood.getJobState(id)).toBe('unknown');
  expect((await pool.query(`SELECT state FROM jobs WHERE id = $1`, [id])).rows[0].state).toBe('succeeded');
});
