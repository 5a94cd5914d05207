import type { Redis } from 'ioredis';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { classQueueName } from './resources.js';

/** One BullMQ queue per job kind; workers choose which to serve. */
export const QUEUE_NAMES = ['train', 'ood'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** What travels through Redis: only identities. The concrete config lives in Postgres. */
export interface QueuedJobData {
  jobId: string;
  sweepId: string;
}

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Base delay of the exponential backoff, in ms. */
  backoffMs: number;
}

/** The one place of the default retry numbers (@dgm-ood/jobs' policy builds on them). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 3, backoffMs: 5000 };

export type Queues = Record<QueueName, Queue<QueuedJobData>>;

/** How createQueues made a Queues, for the requirement-class queues it opens on demand. */
interface QueuesContext {
  connection: ConnectionOptions;
  prefix: string;
  byClass: Map<string, Queue<QueuedJobData>>;
}
const contexts = new WeakMap<Queues, QueuesContext>();

export function createQueues(connection: ConnectionOptions, prefix?: string): Queues {
  const make = (name: QueueName) => new Queue<QueuedJobData>(name, { connection, ...(prefix ? { prefix } : {}) });
  const queues = { train: make('train'), ood: make('ood') };
  contexts.set(queues, { connection, prefix: prefix ?? 'bull', byClass: new Map() });
  return queues;
}

function contextOf(queues: Queues): QueuesContext {
  const context = contexts.get(queues);
  if (!context) throw new Error('these queues were not made by createQueues');
  return context;
}

/** The queue of a kind's jobs with a requirement class (opened once per Queues); no class: the kind's default queue. */
export function queueFor(queues: Queues, kind: QueueName, requirementClass?: string): Queue<QueuedJobData> {
  if (requirementClass === undefined) return queues[kind];
  const context = contextOf(queues);
  const name = classQueueName(kind, requirementClass);
  let queue = context.byClass.get(name);
  if (!queue) {
    queue = new Queue<QueuedJobData>(name, { connection: context.connection, prefix: context.prefix });
    context.byClass.set(name, queue);
  }
  return queue;
}

/**
 * Redis keeps the names of the class queues that ever got a job (a set beside the queues): bulk removal (cancel,
 * delete) clears them without asking PostgreSQL, and a queue emptied by a Redis flush needs no clearing.
 */
const classRegistryKey = (prefix: string) => `${prefix}:requirement-class-queues`;

/** The requirement classes that have a queue of this kind in Redis. */
export async function classesWithQueues(queues: Queues, kind: QueueName, redis: Redis = registryClient(queues)): Promise<string[]> {
  const names = await redis.smembers(classRegistryKey(contextOf(queues).prefix));
  const marker = classQueueName(kind, '');
  return names.filter((name) => name.startsWith(marker)).map((name) => name.slice(marker.length)).sort();
}

/** The Redis connection the queues were made with (every caller passes one), for the class registry. */
function registryClient(queues: Queues): Redis {
  const { connection } = contextOf(queues);
  if (typeof (connection as Partial<Redis>).sadd !== 'function') throw new Error('requirement-class queues need createQueues to be given a Redis connection');
  return connection as Redis;
}

/**
 * Empties and removes every queue under these queues' prefix — both kinds' default queues, every requirement-class
 * queue Redis registered (opened here or by another process) — closes them, then deletes every key left under the
 * prefix. For tearing down a throw-away prefix (tests); never for a prefix in use.
 */
export async function obliterateQueues(queues: Queues, redis: Redis = registryClient(queues)): Promise<void> {
  const classes = await Promise.all(QUEUE_NAMES.map(async (kind) => (await classesWithQueues(queues, kind, redis)).map((c) => queueFor(queues, kind, c))));
  const all = new Set([...Object.values(queues), ...contextOf(queues).byClass.values(), ...classes.flat()]);
  await Promise.all([...all].map((q) => q.obliterate({ force: true }).catch(() => {})));
  await closeQueues(queues);
  // What no queue object knows of: keys other processes' queues and workers left (a worker's class queues that never
  // got a job write their meta), and the registry.
  const prefix = contextOf(queues).prefix;
  for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
    if (keys.length > 0) await redis.del(...keys);
  }
}

export async function closeQueues(queues: Queues): Promise<void> {
  const byClass = contexts.get(queues)?.byClass.values() ?? [];
  await Promise.all([...Object.values(queues), ...byClass].map((q) => q.close()));
}

export interface EnqueueItem extends QueuedJobData {
  kind: QueueName;
  retry?: RetryPolicy;
  /** The job's requirement class (`resources` in its config); unset: the kind's default queue. */
  requirementClass?: string;
}

function jobOptions(item: EnqueueItem): JobsOptions {
  const retry = item.retry ?? DEFAULT_RETRY_POLICY;
  return {
    // The BullMQ id is our job id: adding the same job twice is a no-op, so enqueueing is idempotent.
    jobId: item.jobId,
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs },
    removeOnComplete: { age: 7 * 24 * 3600, count: 100_000 },
    removeOnFail: false,
  };
}

/** Adds jobs in the given order (BullMQ is FIFO: grid order is dispatch order), in chunks. */
export async function enqueueJobs(queues: Queues, items: readonly EnqueueItem[], chunkSize = 5000): Promise<void> {
  for (let start = 0; start < items.length; start += chunkSize) {
    const chunk = items.slice(start, start + chunkSize);
    const byQueue = new Map<Queue<QueuedJobData>, EnqueueItem[]>();
    for (const item of chunk) {
      const queue = queueFor(queues, item.kind, item.requirementClass);
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), item]);
    }
    for (const [queue, forQueue] of byQueue) {
      if (forQueue[0]!.requirementClass !== undefined) {
        // Registered before the add: a cancel racing this add then finds the queue.
        await registryClient(queues).sadd(classRegistryKey(contextOf(queues).prefix), queue.name);
      }
      await queue.addBulk(
        forQueue.map((item) => ({ name: item.kind, data: { jobId: item.jobId, sweepId: item.sweepId }, opts: jobOptions(item) })),
      );
    }
  }
}

/**
 * Drops the given ids from a queue's wait and paused lists in one pass per list, from its prioritized, delayed,
 * completed and failed sets, and deletes their job hashes. Per-job removal is one O(N) list scan each: cancelling a
 * 100k-job sweep took 10 minutes that way. Active jobs are not touched (cancellation reaches them through Redis).
 */
const REMOVE_MANY = `
local ids = {}
for i = 2, #ARGV do ids[ARGV[i]] = true end
local removed = 0
for l = 1, 2 do
  local items = redis.call('LRANGE', KEYS[l], 0, -1)
  local keep = {}
  for _, id in ipairs(items) do
    if ids[id] then removed = removed + 1 else keep[#keep + 1] = id end
  end
  if #keep < #items then
    redis.call('DEL', KEYS[l])
    for i = 1, #keep, 5000 do redis.call('RPUSH', KEYS[l], unpack(keep, i, math.min(i + 4999, #keep))) end
  end
end
for i = 2, #ARGV do
  local id = ARGV[i]
  for z = 3, 6 do removed = removed + redis.call('ZREM', KEYS[z], id) end
  if redis.call('SISMEMBER', KEYS[7], id) == 0 and redis.call('LPOS', KEYS[8], id) == false then
    redis.call('DEL', ARGV[1] .. id, ARGV[1] .. id .. ':logs')
  end
end
return removed
`;

/**
 * Removes jobs that have not started (waiting, paused, prioritized, delayed; finished entries too) in bulk, from the
 * kind's default queue and every requirement-class queue of the kind. A job that is running stays: it is stopped
 * through the cancellation channel instead. Returns how many list or set entries were removed.
 */
export async function removeQueuedJobs(queues: Queues, kind: QueueName, jobIds: readonly string[], redis: Redis, chunkSize = 10_000): Promise<number> {
  if (jobIds.length === 0) return 0;
  let removed = await removeFromQueue(queues[kind], jobIds, redis, chunkSize);
  for (const requirementClass of await classesWithQueues(queues, kind, redis)) {
    removed += await removeFromQueue(queueFor(queues, kind, requirementClass), jobIds, redis, chunkSize);
  }
  return removed;
}

async function removeFromQueue(queue: Queue<QueuedJobData>, jobIds: readonly string[], redis: Redis, chunkSize: number): Promise<number> {
  const k = queue.keys;
  let removed = 0;
  for (let start = 0; start < jobIds.length; start += chunkSize) {
    const ids = jobIds.slice(start, start + chunkSize);
    removed += (await redis.eval(
      REMOVE_MANY,
      8,
      k.wait!, k.paused!, k.prioritized!, k.delayed!, k.completed!, k.failed!, k.stalled!, k.active!,
      queue.toKey(''), ...ids,
    )) as number;
  }
  return removed;
}

/**
 * Enqueues jobs again after a manual retry: a finished BullMQ job with the same id would make the
 * add a no-op, so it is removed first (a job still active is left alone).
 */
export async function resubmitJobs(queues: Queues, items: readonly EnqueueItem[]): Promise<void> {
  for (const item of items) {
    const existing = await queueFor(queues, item.kind, item.requirementClass).getJob(item.jobId);
    if (existing && !(await existing.isActive())) await existing.remove().catch(() => {});
  }
  await enqueueJobs(queues, items);
}
