import { CodedError } from '@dgm-ood/config/errors';

/**
 * Coded errors of the diffusion family. Config errors name the dotted path of the offending field (and the
 * file, when known); `deterministic` tells the worker that retrying cannot help.
 */
export type DiffusionErrorCode =
  | 'DIFFUSION_CONFIG_INVALID'
  | 'DIFFUSION_UNKNOWN_CLASS'
  | 'DIFFUSION_INVALID_ARGUMENT'
  | 'DIFFUSION_NONFINITE'
  | 'DIFFUSION_SOLVER_FAILED'
  | 'DIFFUSION_CHECKPOINT_MISMATCH';

export class DiffusionError extends CodedError<DiffusionErrorCode> {
  readonly details: Record<string, unknown>;

  constructor(code: DiffusionErrorCode, message: string, details: Record<string, unknown> = {}, deterministic = true) {
    super(code, message, { deterministic });
    this.details = details;
  }
}

/** A model section that cannot be built: `path` is its dotted path (e.g. `model.init_args.beta_max`). */
export class DiffusionConfigError extends DiffusionError {
  readonly path: string;
  readonly source: string | undefined;

  constructor(message: string, path: string, source?: string, code: DiffusionErrorCode = 'DIFFUSION_CONFIG_INVALID') {
    super(code, `${source ? `${source}: ` : ''}config ${path}: ${message}`, { path, ...(source ? { source } : {}) });
    this.path = path;
    this.source = source;
  }
}

/** A bad argument to a library function (a programming or request error, not a config file error). */
export function invalidArgument(where: string, message: string): DiffusionError {
  return new DiffusionError('DIFFUSION_INVALID_ARGUMENT', `${where}: ${message}`);
}
