import { createError } from '@dgm-ood/config';

export const SweepInvalidError = createError<[string]>('DGM_SWEEP_INVALID', '%s', 400);
export const SweepNotFoundError = createError<[string]>('DGM_SWEEP_NOT_FOUND', 'sweep %s not found', 404);
export const CoordinatorJobNotFoundError = createError<[string]>('DGM_JOB_NOT_FOUND', 'job %s not found', 404);
export const ImportInvalidError = createError<[string]>('DGM_IMPORT_INVALID', '%s', 400);
export const ImportTooLargeError = createError<[string, string]>('DGM_IMPORT_TOO_LARGE', 'checkpoint %s is larger than the import limit of %s bytes (DGM_OOD_IMPORT_MAX_BYTES)', 413);
export const JobNotRetryableError = createError<[string, string]>('DGM_JOB_NOT_RETRYABLE', 'job %s is %s: only failed, cancelled or succeeded jobs can be retried', 409);

/** One problem of a submitted file, located as precisely as we can. */
export interface SubmissionIssue {
  path: string;
  message: string;
  code?: string;
  quirk?: string;
  line?: number;
  file?: string;
}
