/**
 * BullMQ entries of jobs PostgreSQL no longer has (a job that finished after its sweep was deleted lands in the
 * completed or failed set, which keeps failed entries for good). A job's row always commits before its entry is
 * added, so an entry without a row is an orphan at once.
 */
import type pg from 'pg';
import { classesWithQueues, queueFor, QUEUE_NAMES, removeQueuedJobs, type QueueName, type Queues, type Redis } from '@dgm-ood/queue';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Ids of the entries that are not running (waiting, paused, prioritized, delayed, completed, failed) of a kind's
 * queues: its default queue and its requirement-class queues.
 */
async function entryIds(queues: Queues, name: QueueName, redis: Redis): Promise<string[]> {
  const ids: string[] = [];
  for (const requirementClass of [undefined, ...(await classesWithQueues(queues, name, redis))]) {
    const k = queueFor(queues, name, requirementClass).keys;
    const lists = await Promise.all([k.wait!, k.paused!].map((key) => redis.lrange(key, 0, -1)));
    const sets = await Promise.all([k.prioritized!, k.delayed!, k.completed!, k.failed!].map((key) => redis.zrange(key, '0', '-1')));
    ids.push(...lists.flat(), ...sets.flat());
  }
  return [...new Set(ids)].filter((id) => UUID.test(id));
}

/** Entries per queue whose job row does not exist. */
export async function orphanedQueueEntries(pool: pg.Pool, queues: Queues, redis: Redis): Promise<Record<QueueName, string[]>> {
  const orphans = { train: [], ood: [] } as Record<QueueName, string[]>;
  for (const name of QUEUE_NAMES) {
    const ids = await entryIds(queues, name, redis);
    for (let start = 0; start < ids.length; start += 10_000) {
      const chunk = ids.slice(start, start + 10_000);
      const { rows } = await pool.query(`SELECT id FROM jobs WHERE id = ANY($1::uuid[])`, [chunk]);
      const existing = new Set(rows.map((row) => row.id as string));
      orphans[name].push(...chunk.filter((id) => !existing.has(id)));
    }
  }
  return orphans;
}

/** Removes the entries (their hashes too); returns how many list or set entries went. */
export async function removeQueueEntries(queues: Queues, redis: Redis, entries: Record<QueueName, string[]>): Promise<number> {
  let removed = 0;
  for (const name of QUEUE_NAMES) removed += await removeQueuedJobs(queues, name, entries[name], redis);
  return removed;
}
