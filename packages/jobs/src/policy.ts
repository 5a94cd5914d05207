import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '@dgm-ood/queue';

/*
 * How often, and how far apart, a job's attempts run. The default numbers are DEFAULT_RETRY_POLICY of
 * @dgm-ood/queue (its enqueue falls back to them, and it cannot depend on this package); everything above
 * the queue takes them from here.
 */

/** Attempts of a job, the first included, unless the sweep says otherwise. */
export const DEFAULT_MAX_ATTEMPTS = DEFAULT_RETRY_POLICY.attempts;
/** Base delay of the exponential backoff between attempts, in ms, unless the sweep says otherwise. */
export const DEFAULT_BACKOFF_MS = DEFAULT_RETRY_POLICY.backoffMs;

/** A sweep's retry policy: its stored options (`maxAttempts`, `backoffMs`, as submitted) over the defaults. */
export function sweepRetryPolicy(options: unknown): RetryPolicy {
  const given = (typeof options === 'object' && options !== null ? options : {}) as { maxAttempts?: unknown; backoffMs?: unknown };
  return {
    attempts: typeof given.maxAttempts === 'number' ? given.maxAttempts : DEFAULT_MAX_ATTEMPTS,
    backoffMs: typeof given.backoffMs === 'number' ? given.backoffMs : DEFAULT_BACKOFF_MS,
  };
}
