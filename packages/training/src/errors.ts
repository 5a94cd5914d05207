/**
 * Coded errors of the generic trainer. `deterministic` is data: a diverged loss or data that yields no batch
 * fails the job at once, since a retry would meet the same problem.
 */
export type TrainingErrorCode = 'TRAINING_NONFINITE_LOSS' | 'TRAINING_NONFINITE_GRADIENT' | 'TRAINING_DATA_INVALID' | 'TRAINING_CONFIG_INVALID';

export class TrainingError extends Error {
  readonly code: TrainingErrorCode;
  readonly deterministic = true;
  readonly details: Record<string, unknown>;

  constructor(code: TrainingErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TrainingError';
    this.code = code;
    this.details = details;
  }
}
