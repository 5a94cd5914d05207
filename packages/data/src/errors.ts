// A subpath, not the root: this package has no use for config's logger (pino).
import { CodedError } from '@dgm-ood/config/errors';

/**
 * Coded, user-facing errors of the data package. Codes start with `DGM_` so that entry points print
 * them as one readable line (see `isUserFacingError` in @dgm-ood/config) instead of a stack trace.
 * Every one is deterministic (`deterministic: true`): a missing or corrupt dataset file, an unknown
 * dataset or a bad option fails the same way on a retry, so the job fails at once.
 */
export type DataErrorCode =
  /** No location under DATA_DIR holds the files a dataset needs (and no embedded copy applies). */
  | 'DGM_DATA_NOT_FOUND'
  /** A file exists but is truncated, has a wrong magic number, a wrong shape, … */
  | 'DGM_DATA_CORRUPT'
  /** The dataset name is not in the registry. */
  | 'DGM_DATA_UNKNOWN_DATASET'
  /** An option passed to a loader, transform or batcher is invalid. */
  | 'DGM_DATA_INVALID_OPTION';

export interface DataErrorDetails {
  dataset?: string;
  /** The files (or file patterns) the dataset needs. */
  expected?: string[];
  /** Every directory that was looked in, in order. */
  searched?: string[];
  /** The offending file, for corrupt data. */
  file?: string;
}

export class DataError extends CodedError<DataErrorCode> {
  readonly dataset: string | undefined;
  readonly expected: string[];
  readonly searched: string[];
  readonly file: string | undefined;

  constructor(code: DataErrorCode, message: string, details: DataErrorDetails = {}, options?: { cause?: unknown }) {
    const parts = [message];
    if (details.expected?.length) parts.push(`expected: ${details.expected.join(', ')}`);
    if (details.searched?.length) parts.push(`looked in: ${details.searched.join(', ')}`);
    super(code, parts.join('; '), { deterministic: true, cause: options?.cause });
    this.name = 'DataError';
    this.dataset = details.dataset;
    this.expected = details.expected ?? [];
    this.searched = details.searched ?? [];
    this.file = details.file;
  }
}

/**
 * Thrown by the pure format parsers (IDX, CIFAR, pickle, MAT, PNG folder). They do not know which
 * dataset or file they read; the dataset readers turn this into a `DGM_DATA_CORRUPT` DataError.
 */
export class FormatError extends Error {
  /** A file that does not parse will not parse on a retry either. */
  readonly deterministic = true;

  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

export function invalidOption(message: string, dataset?: string): DataError {
  return new DataError('DGM_DATA_INVALID_OPTION', dataset ? `dataset "${dataset}": ${message}` : message, { dataset });
}
