import { CodedError } from '@dgm-ood/config/errors';

/**
 * Coded errors of the generic trainer, all deterministic: a diverged loss or data that yields no batch would
 * meet the same problem on a retry, so the job fails at once.
 */
export type TrainingErrorCode = 'TRAINING_NONFINITE_LOSS' | 'TRAINING_NONFINITE_GRADIENT' | 'TRAINING_DATA_INVALID' | 'TRAINING_CONFIG_INVALID';

export class TrainingError extends CodedError<TrainingErrorCode> {
  readonly details: Record<string, unknown>;

  constructor(code: TrainingErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { deterministic: true });
    this.details = details;
  }
}
