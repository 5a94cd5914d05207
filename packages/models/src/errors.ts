import { CodedError } from '@dgm-ood/config/errors';

/**
 * Coded errors of the model-family layer. `deterministic` is data: the worker fails a job at once on a
 * deterministic error (bad spec, corrupt checkpoint, unknown family) instead of retrying it.
 */
export type ModelErrorCode =
  | 'MODELS_SPEC_INVALID'
  | 'MODELS_UNKNOWN_FAMILY'
  | 'MODELS_CHECKPOINT_INVALID'
  | 'MODELS_CHECKPOINT_MISSING'
  | 'MODELS_CAPABILITY_MISSING'
  | 'MODELS_IMPORT_UNSUPPORTED';

export class ModelError extends CodedError<ModelErrorCode> {
  readonly details: Record<string, unknown>;

  constructor(code: ModelErrorCode, message: string, details: Record<string, unknown> = {}, deterministic = true) {
    super(code, message, { deterministic });
    this.details = details;
  }
}
