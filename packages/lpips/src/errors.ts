/**
 * The one error LPIPS throws. Codes start with `DGM_` so entry points print the message alone (missing or
 * wrong weight files and bad inputs are the user's to fix), and `deterministic` tells a worker that a retry
 * cannot help.
 */
export type LpipsErrorCode = 'DGM_LPIPS_WEIGHTS_MISSING' | 'DGM_LPIPS_WEIGHTS_MISMATCH' | 'DGM_LPIPS_INPUT_INVALID';

export interface LpipsErrorDetails {
  /** The weight file concerned. */
  file?: string;
  /** Every path looked at, when a file was not found. */
  tried?: string[];
  /** The parameter's name in the file. */
  parameter?: string;
  expectedShape?: number[];
  foundShape?: number[];
}

export class LpipsError extends Error {
  readonly code: LpipsErrorCode;
  readonly details: LpipsErrorDetails;
  readonly deterministic = true;

  constructor(code: LpipsErrorCode, message: string, details: LpipsErrorDetails = {}) {
    super(message);
    this.name = 'LpipsError';
    this.code = code;
    this.details = details;
  }
}
