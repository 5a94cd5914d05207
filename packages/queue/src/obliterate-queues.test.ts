import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, expect, test } from 'vitest';
import { classQueueName } from './resources.js';
import { createQueues, enqueueJobs, obliterateQueues } from './queues.js';
import { createRedis } from './redis.js';

const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
afterAll(() => redis.disconnect());

test("tearing down a throw-away prefix leaves no key under it: default queues, class queues, other processes' queues", async () => {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const queues = createQueues(redis, prefix);
  const sweepId = randomUUID();
  await enqueueJobs(queues, [
    { kind: 'train', jobId: randomUUID(), sweepId },
    { kind: 'ood', jobId: randomUUID(), sweepId, requirementClass: 'gpu-16gib' },
  ]);
  // As a worker elsewhere opens the class queue it serves: its meta key, no job, not in the registry.
  const elsewhere = new Queue(classQueueName('train', 'cpu-8gib'), { connection: redis.duplicate(), prefix });
  await elsewhere.waitUntilReady();
  await elsewhere.close();
  expect((await redis.keys(`${prefix}:*`)).length).toBeGreaterThan(3);

  await obliterateQueues(queues);
  expect(await redis.keys(`${prefix}:*`)).toEqual([]);
});
