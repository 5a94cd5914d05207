import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createQueues, enqueueJobs, obliterateQueues, removeQueuedJobs, type Queues } from './queues.js';
import { createRedis, type Redis } from './redis.js';

let redis: Redis;
let queues: Queues;
beforeAll(() => {
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  queues = createQueues(redis, `t${randomBytes(5).toString('hex')}`);
});
afterAll(async () => {
  await obliterateQueues(queues);
  redis.disconnect();
});

test("a cancelled sweep's 20,000 queued jobs leave the queue in bulk; another sweep's jobs stay, in order", async () => {
  const cancelled = Array.from({ length: 20_000 }, () => randomUUID());
  const kept = Array.from({ length: 50 }, () => randomUUID());
  // Interleaved, as two sweeps submitted at once would be.
  const items = [...cancelled.slice(0, 10_000), ...kept.slice(0, 25), ...cancelled.slice(10_000), ...kept.slice(25)];
  await enqueueJobs(queues, items.map((jobId) => ({ jobId, sweepId: kept.includes(jobId) ? 'keep' : 'drop', kind: 'train' })));
  // One delayed entry too (a retry's backoff).
  const delayed = cancelled[0]!;
  await (await queues.train.getJob(delayed))!.changeDelay(60_000).catch(() => {});

  expect(await removeQueuedJobs(queues, 'train', cancelled, redis)).toBe(20_000);
  const counts = await queues.train.getJobCounts('waiting', 'delayed', 'prioritized');
  expect((counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)).toBe(50);
  // BullMQ still reads the rest, in its order (oldest first), and the removed jobs are gone entirely.
  const waiting = await queues.train.getWaiting(0, -1);
  expect(waiting.map((j) => j.id)).toEqual(kept);
  expect(await queues.train.getJob(cancelled[123]!)).toBeUndefined();
  expect(await queues.train.getJob(delayed)).toBeUndefined();
  expect(await removeQueuedJobs(queues, 'train', cancelled, redis)).toBe(0);
});
