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

/**
 * Whether a retry can help is data on the error, never a pattern over its code: a failure that would
 * recur on any machine (bad config, missing or corrupt dataset, non-finite loss) carries
 * `deterministic: true`, and the worker fails its job at once. A plain property survives the trip from a
 * handler process to its worker.
 */
export interface DeterministicFailure {
  readonly deterministic: true;
}

/** True iff `error` carries `deterministic: true` (own or inherited). */
export function isDeterministic(error: unknown): error is DeterministicFailure {
  return typeof error === 'object' && error !== null && (error as { deterministic?: unknown }).deterministic === true;
}

/**
 * `createError` for failures a retry cannot fix: same arguments and instances, which also carry
 * `deterministic: true`. E.g. `const BadSpec = deterministicError<[string]>('DGM_X_SPEC', 'spec: %s')`.
 */
export function deterministicError<Args extends unknown[] = [unknown?, unknown?, unknown?]>(
  code: string,
  message: string,
  statusCode = 422,
) {
  const Base = createError<Args>(code, message, statusCode);
  return class extends Base implements DeterministicFailure {
    readonly deterministic = true as const;
  };
}

/**
 * Base of the packages' own error hierarchies (data, engine, …): a stable `code`, a message naming what
 * is wrong and where, and whether a retry can help. Each subclass decides `deterministic` per code.
 */
export class CodedError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly deterministic: boolean;

  constructor(code: Code, message: string, options: { deterministic: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.deterministic = options.deterministic;
  }
}
