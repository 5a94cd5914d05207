import createError from '@fastify/error';

/**
 * Coded errors that mean "the user's environment or input is wrong", as opposed to a bug.
 * Entry points print them as one readable line (see `runMain`), never as a stack trace.
 */
export const ConfigInvalidError = createError<[string]>('DGM_CONFIG_INVALID', 'invalid environment: %s', 500);
export const ServiceUnavailableError = createError<[string]>('DGM_SERVICE_UNAVAILABLE', '%s', 503);

/** True for errors whose message alone is enough for the user (coded, user-facing). */
export function isUserFacingError(error: unknown): error is Error & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as { code?: unknown }).code === 'string' &&
    (error as unknown as { code: string }).code.startsWith('DGM_')
  );
}

/** Fastify-style coded error factory, shared so every package defines its errors the same way. */
export { createError };
