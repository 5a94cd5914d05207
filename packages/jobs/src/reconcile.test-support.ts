import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { createQueues, createRedis, obliterateQueues, type Queues, type Redis } from '@dgm-ood/queue';

export interface ReconcileHarness {
  pool: Pool;
  redis: Redis;
  queues: Queues;
  /** The queues' key prefix in Redis. */
  prefix: string;
}

/**
 * For the reconcile tests: a fresh test database and queues under a random Redis prefix, made before the file's
 * tests and removed after them (every queue under the prefix, requirement-class queues included).
 * Read the fields inside tests (they are set in beforeAll).
 */
export function useReconcileHarness(): ReconcileHarness {
  const harness = { prefix: `t${randomBytes(5).toString('hex')}` } as ReconcileHarness;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    harness.pool = createPool(db.url);
    harness.redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    harness.queues = createQueues(harness.redis, harness.prefix);
  });
  afterAll(async () => {
    await obliterateQueues(harness.queues);
    harness.redis.disconnect();
    await harness.pool.end();
    await db.drop();
  });
  return harness;
}
