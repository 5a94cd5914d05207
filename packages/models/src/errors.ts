/**
 * Coded errors of the model-family layer. `deterministic` is data: the worker fails a job at once on a
 * deterministic error (bad spec, corrupt checkpoint, diverged loss) instead of retrying it.
 */
export type ModelErrorCode =
  | 'MODELS_SPEC_INVALID'
  | 'MODELS_UNKNOWN_FAMILY'
  | 'MODELS_CHECKPOINT_INVALID'
  | 'MODELS_CHECKPOINT_MISSING'
  | 'MODELS_CAPABILITY_MISSING';

export class ModelError extends Error {
  readonly code: ModelErrorCode;
  readonly deterministic: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ModelErrorCode, message: string, details: Record<string, unknown> = {}, deterministic = true) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
    this.details = details;
    this.deterministic = deterministic;
  }
}
