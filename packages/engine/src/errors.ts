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

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  readonly backend: string | undefined;
  readonly source: string | undefined;

  constructor(code: EngineErrorCode, message: string, details: EngineErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
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
