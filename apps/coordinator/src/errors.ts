import { createError } from '@dgm-ood/config';

export const SweepInvalidError = createError<[string]>('DGM_SWEEP_INVALID', '%s', 400);
export const SweepTooLargeError = createError<[string]>('DGM_SWEEP_TOO_LARGE', '%s', 413);
export const IdempotencyKeyReusedError = createError<[string, string]>(
  'DGM_IDEMPOTENCY_KEY_REUSED',
  'Idempotency-Key %s already created sweep %s from a different request: use a new key for a new submission',
  422,
);
export const SweepNotFoundError = createError<[string]>('DGM_SWEEP_NOT_FOUND', 'sweep %s not found', 404);
export const CoordinatorJobNotFoundError = createError<[string]>('DGM_JOB_NOT_FOUND', 'job %s not found', 404);
export const ImportInvalidError = createError<[string]>('DGM_IMPORT_INVALID', '%s', 400);
export const ImportTooLargeError = createError<[string, string]>('DGM_IMPORT_TOO_LARGE', 'checkpoint %s is larger than the import limit of %s bytes (DGM_OOD_IMPORT_MAX_BYTES)', 413);
export const EvaluationRowNotFoundError = createError<[string, string, string]>(
  'DGM_EVALUATION_ROW_NOT_FOUND',
  'sweep %s has no succeeded scored jobs %s (positive) and %s (negative): use the positiveJobIds[0] and negativeJobIds[0] of a row of GET /sweeps/:id/evaluation',
  404,
);
export const ArtifactNotFoundError = createError<[string, string]>('DGM_ARTIFACT_NOT_FOUND', 'job %s has no artifact %s', 404);
export const ArtifactUnreadableError = createError<[string, string, string]>(
  'DGM_ARTIFACT_UNREADABLE',
  'artifact %s of job %s cannot be read from the coordinator: %s (a directory store must be shared with the coordinator; ARTIFACT_STORE=postgres works anywhere)',
  502,
);
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

/** A rejected submission: the message plus every located issue (YAML paths, job indices). */
export class SubmissionRejected extends SweepInvalidError {
  constructor(message: string, readonly errors: SubmissionIssue[]) {
    super(message);
  }
}
export const UnauthorizedError = createError<[string]>('DGM_UNAUTHORIZED', '%s', 401);
export const RateLimitedError = createError<[string]>('DGM_RATE_LIMITED', '%s', 429);
export const HostNotAllowedError = createError<[string]>(
  'DGM_HOST_NOT_ALLOWED',
  'Host %s is not one this coordinator answers to: add it to DGM_OOD_ALLOWED_HOSTS (this check stops DNS rebinding)',
  421,
);
export const OriginForbiddenError = createError<[string]>('DGM_ORIGIN_FORBIDDEN', 'cross-origin requests are refused (Origin %s is not this coordinator)', 403);
export const AuthOffError = createError('DGM_AUTH_OFF', 'no API token is configured (DGM_OOD_API_TOKEN): there is nothing to sign in to', 409);
