// A subpath, not the root: this package has no use for config's logger (pino).
import { CodedError } from '@dgm-ood/config/errors';

/**
 * Coded, user-facing errors of the engine package. Codes start with `DGM_` so that entry points print
 * them as one readable line (see `isUserFacingError` in @dgm-ood/config) instead of a stack trace.
 */
export type EngineErrorCode =
  /** DGM_OOD_BACKEND (or the `backend` option) is not one of the known names. */
  | 'DGM_ENGINE_UNKNOWN_BACKEND'
  /** A forced backend could not be loaded on this machine; the message says why. */
  | 'DGM_ENGINE_BACKEND_UNAVAILABLE'
  /** initEngine was already run with another backend in this process. */
  | 'DGM_ENGINE_ALREADY_INITIALISED'
  /** A scope that must not leak tensors (training step, scoring batch) left tensors behind. */
  | 'DGM_ENGINE_TENSOR_LEAK'
  /** A numerical tool got arguments it cannot work with (shapes, counts, probe kinds). */
  | 'DGM_ENGINE_INVALID_ARGUMENT'
  /** The gradient-check suite found values or gradients that disagree with the reference backend. */
  | 'DGM_ENGINE_GRADCHECK_FAILED';

export interface EngineErrorDetails {
  /** The backend concerned, for backend errors. */
  backend?: string;
  /** Where a bad value came from: `DGM_OOD_BACKEND`, `initEngine({ backend })`, a function argument… */
  source?: string;
}

/**
 * Whether a retry (possibly on another machine, in a fresh handler process) can help, per code: a backend
 * missing here may exist elsewhere and a fresh process initialises cleanly; the rest recur anywhere.
 */
const DETERMINISTIC: Record<EngineErrorCode, boolean> = {
  DGM_ENGINE_UNKNOWN_BACKEND: true,
  DGM_ENGINE_BACKEND_UNAVAILABLE: false,
  DGM_ENGINE_ALREADY_INITIALISED: false,
  DGM_ENGINE_TENSOR_LEAK: true,
  DGM_ENGINE_INVALID_ARGUMENT: true,
  DGM_ENGINE_GRADCHECK_FAILED: true,
};

export class EngineError extends CodedError<EngineErrorCode> {
  readonly backend: string | undefined;
  readonly source: string | undefined;

  constructor(code: EngineErrorCode, message: string, details: EngineErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, { deterministic: DETERMINISTIC[code], cause: options?.cause });
    this.name = 'EngineError';
    this.backend = details.backend;
    this.source = details.source;
  }
}

export function invalidArgument(where: string, message: string): EngineError {
  return new EngineError('DGM_ENGINE_INVALID_ARGUMENT', `${where}: ${message}`, { source: where });
}

/** First line of an error's message, for "why was this backend skipped" reasons. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n').find((line) => line.trim() !== '') ?? text).trim();
}
