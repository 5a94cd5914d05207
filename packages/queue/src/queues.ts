import type { Redis } from 'ioredis';
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';

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

export function createQueues(connection: ConnectionOptions, prefix?: string): Queues {
  const make = (name: QueueName) => new Queue<QueuedJobData>(name, { connection, ...(prefix ? { prefix } : {}) });
  return { train: make('train'), ood: make('ood') };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

export interface EnqueueItem extends QueuedJobData {
  kind: QueueName;
  retry?: RetryPolicy;
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
    for (const name of QUEUE_NAMES) {
      const forQueue = chunk.filter((item) => item.kind === name);
      if (forQueue.length === 0) continue;
      await queues[name].addBulk(
        forQueue.map((item) => ({ name, data: { jobId: item.jobId, sweepId: item.sweepId }, opts: jobOptions(item) })),
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
 * Removes jobs that have not started (waiting, paused, prioritized, delayed; finished entries too) in bulk. A job
 * that is running stays: it is stopped through the cancellation channel instead. Returns how many list or set
 * entries were removed.
 */
export async function removeQueuedJobs(queues: Queues, kind: QueueName, jobIds: readonly string[], redis: Redis, chunkSize = 10_000): Promise<number> {
  const queue = queues[kind];
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
    const existing = await queues[item.kind].getJob(item.jobId);
    if (existing && !(await existing.isActive())) await existing.remove().catch(() => {});
  }
  await enqueueJobs(queues, items);
}
