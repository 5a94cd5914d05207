import { createError, deterministicError, isDeterministic } from '@dgm-ood/config';

/**
 * Deterministic failure (bad config, non-finite loss, …): retrying cannot help, so the job fails
 * at once with this reason. Its instances carry `deterministic: true`, like every error that means so.
 */
export const DeterministicJobError = deterministicError<[string]>('DGM_JOB_DETERMINISTIC', '%s', 422);

const STALE_ATTEMPT = 'DGM_JOB_STALE_ATTEMPT';

/** This attempt no longer owns the job (its lease lapsed and another attempt started). */
export const StaleAttemptError = createError<[string, number, number]>(
  STALE_ATTEMPT,
  'job %s: attempt %d is stale (the job is now on attempt %d); its writes are refused',
  409,
);

export const JobNotFoundError = createError<[string]>('DGM_JOB_NOT_FOUND', 'job %s not found', 404);
/** The worker has no handler for this config: another attempt would find none either. */
export const NoHandlerError = deterministicError<[string, string]>('DGM_NO_HANDLER', 'no %s handler matches job %s', 422);

/** Whether retrying cannot help: the error carries `deterministic: true` (see isDeterministic in @dgm-ood/config). */
export function isDeterministicFailure(error: unknown): boolean {
  return isDeterministic(error);
}

/**
 * Whether the error is a StaleAttemptError: the attempt must stop without recording anything (neither a
 * failure nor a retry). Identified by its code, which is all that is left of it after it crossed from a
 * handler process as plain data.
 */
export function isStaleAttempt(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === STALE_ATTEMPT;
}
