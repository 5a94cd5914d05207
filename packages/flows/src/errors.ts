/**
 * Coded errors (Fastify style: a stable `code`, a message that names what is wrong and where, structured
 * details for whoever records the failure). `deterministic` is data, the same property @dgm-ood/config's
 * CodedError carries (this package does not depend on config): the worker fails a job at once on it.
 */
export type FlowErrorCode =
  | 'FLOWS_CONFIG_INVALID'
  | 'FLOWS_UNKNOWN_CLASS'
  | 'FLOWS_NONFINITE_LOSS'
  | 'FLOWS_NONFINITE_GRADIENT'
  | 'FLOWS_CHECKPOINT_INVALID'
  | 'FLOWS_CHECKPOINT_MISMATCH'
  | 'FLOWS_DATA_INVALID';

export class FlowError extends Error {
  readonly code: FlowErrorCode;
  readonly details: Record<string, unknown>;
  /** Whether retrying the same work can help (false for deterministic failures such as a diverged loss). */
  readonly retryable: boolean;
  /**
   * A retry cannot help (`!retryable`): non-finite loss or gradient, an invalid config, class, checkpoint
   * or data fail the same way every time.
   */
  readonly deterministic: boolean;

  constructor(code: FlowErrorCode, message: string, details: Record<string, unknown> = {}, retryable = false) {
    super(message);
    this.name = 'FlowError';
    this.code = code;
    this.details = details;
    this.retryable = retryable;
    this.deterministic = !retryable;
  }
}

/** A model configuration that cannot be built; `path` is the YAML/JSON path of the offending field. */
export class FlowConfigError extends FlowError {
  readonly path: string;
  readonly source: string | undefined;

  constructor(message: string, path: string, source?: string, code: FlowErrorCode = 'FLOWS_CONFIG_INVALID') {
    super(code, `${source ? `${source}: ` : ''}${path ? `${path}: ` : ''}${message}`, { path, source });
    this.name = 'FlowConfigError';
    this.path = path;
    this.source = source;
  }
}

export function isFlowError(e: unknown): e is FlowError {
  return e instanceof FlowError;
}
