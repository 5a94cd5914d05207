import { cancelSweep } from '@dgm-ood/jobs';
import { removeQueuedJobs, requestCancellation } from '@dgm-ood/queue';
import type { Services } from './plugins/services.js';

/**
 * Cancels every unfinished job of a sweep: in PostgreSQL in one statement, queued ones out of Redis in bulk, running
 * ones told through the cancellation channel. Undefined when the sweep does not exist.
 */
export async function stopSweep(services: Pick<Services, 'pool' | 'queues' | 'redis'>, sweepId: string): Promise<{ cancelled: number; stopping: number } | undefined> {
  const stopped = await cancelSweep(services.pool, sweepId);
  if (!stopped) return undefined;
  await removeQueuedJobs(services.queues, stopped.kind, stopped.notStarted, services.redis);
  await requestCancellation(services.redis, stopped.running);
  return { cancelled: stopped.notStarted.length + stopped.running.length, stopping: stopped.running.length };
}
