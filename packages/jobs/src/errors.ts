import { createError } from '@dgm-ood/config';

/**
 * Deterministic failure (bad config, non-finite loss, …): retrying cannot help, so the job fails
 * at once with this reason.
 */
export const DeterministicJobError = createError<[string]>('DGM_JOB_DETERMINISTIC', '%s', 422);

/** This attempt no longer owns the job (its lease lapsed and another attempt started). */
export const StaleAttemptError = createError<[string, number, number]>(
  'DGM_JOB_STALE_ATTEMPT',
  'job %s: attempt %d is stale (the job is now on attempt %d); its writes are refused',
  409,
);

export const JobNotFoundError = createError<[string]>('DGM_JOB_NOT_FOUND', 'job %s not found', 404);
export const NoHandlerError = createError<[string, string]>('DGM_NO_HANDLER', 'no %s handler matches job %s', 422);

export function isDeterministicFailure(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'DGM_JOB_DETERMINISTIC';
}
