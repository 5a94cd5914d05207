import type { Redis } from 'ioredis';

const CHANNEL = 'dgm-ood:cancel';
const keyFor = (jobId: string) => `dgm-ood:cancel:${jobId}`;
const TTL_SECONDS = 7 * 24 * 3600;

/**
 * Asks every worker, on every machine, to stop these jobs: a key (checked when a job starts and
 * polled while it runs, so nothing is missed while a subscriber reconnects) plus a pub/sub message
 * (so a running job stops at once).
 */
export async function requestCancellation(redis: Redis, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length === 0) return;
  const pipeline = redis.pipeline();
  for (const id of jobIds) pipeline.set(keyFor(id), '1', 'EX', TTL_SECONDS);
  pipeline.publish(CHANNEL, JSON.stringify(jobIds));
  await pipeline.exec();
}

/** Clears a cancellation request (a job that is retried by hand must not be stopped again). */
export async function clearCancellation(redis: Redis, jobIds: readonly string[]): Promise<void> {
  if (jobIds.length > 0) await redis.del(...jobIds.map(keyFor));
}

export async function isCancellationRequested(redis: Redis, jobId: string): Promise<boolean> {
  return (await redis.exists(keyFor(jobId))) === 1;
}

/** Subscribes with a dedicated connection (a subscribed connection cannot run other commands). */
export async function onCancellation(subscriber: Redis, listener: (jobIds: string[]) => void): Promise<() => Promise<void>> {
  const handler = (channel: string, message: string) => {
    if (channel !== CHANNEL) return;
    try {
      const ids = JSON.parse(message) as unknown;
      if (Array.isArray(ids)) listener(ids.filter((id): id is string => typeof id === 'string'));
    } catch {
      // Not ours: ignore.
    }
  };
  subscriber.on('message', handler);
  await subscriber.subscribe(CHANNEL);
  return async () => {
    subscriber.off('message', handler);
    await subscriber.unsubscribe(CHANNEL).catch(() => {});
  };
}
