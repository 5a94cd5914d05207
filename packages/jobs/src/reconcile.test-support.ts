import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { closeQueues, createQueues, createRedis, queueFor, type Queues, type Redis } from '@dgm-ood/queue';
import type { JobKind } from './contract.js';

export interface ReconcileHarness {
  pool: Pool;
  redis: Redis;
  queues: Queues;
  /** The queues' key prefix in Redis. */
  prefix: string;
}

/**
 * For the reconcile tests: a fresh test database and queues under a random Redis prefix, made before the file's
 * tests and removed after them (the kinds' queues and the requirement-class queues named in `classQueues`).
 * Read the fields inside tests (they are set in beforeAll).
 */
export function useReconcileHarness(classQueues: Array<[JobKind, string]> = []): ReconcileHarness {
  const harness = { prefix: `t${randomBytes(5).toString('hex')}` } as ReconcileHarness;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    harness.pool = createPool(db.url);
    harness.redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    harness.queues = createQueues(harness.redis, harness.prefix);
  });
  afterAll(async () => {
    const { queues } = harness;
    const all = [...Object.values(queues), ...classQueues.map(([kind, requirementClass]) => queueFor(queues, kind, requirementClass))];
    await Promise.all(all.map((q) => q.obliterate({ force: true }).catch(() => {})));
    await closeQueues(queues);
    harness.redis.disconnect();
    await harness.pool.end();
    await db.drop();
  });
  return harness;
}
