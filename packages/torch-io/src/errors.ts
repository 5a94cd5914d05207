/**
 * The one error torch-io throws: a code plus where (zip entry, byte offset) the file is wrong. Codes start
 * with `DGM_` so entry points print the message alone (a bad file is the user's input, not a bug), and
 * `deterministic` tells a worker that retrying the same file cannot help.
 */
export type TorchIoErrorCode =
  | 'DGM_TORCH_IO_UNREADABLE'
  | 'DGM_TORCH_IO_UNKNOWN_FORMAT'
  | 'DGM_TORCH_IO_ZIP_INVALID'
  | 'DGM_TORCH_IO_ZIP_UNSUPPORTED'
  | 'DGM_TORCH_IO_TRUNCATED'
  | 'DGM_TORCH_IO_PICKLE_INVALID'
  | 'DGM_TORCH_IO_GLOBAL_REFUSED'
  | 'DGM_TORCH_IO_TENSOR_INVALID';

export interface TorchIoErrorWhere {
  /** Zip entry name (zip format) or section name (legacy format). */
  entry?: string;
  /** Byte offset inside the entry / pickle, or inside the file when there is no entry. */
  offset?: number;
}

export class TorchIoError extends Error {
  readonly code: TorchIoErrorCode;
  readonly entry: string | undefined;
  readonly offset: number | undefined;
  readonly deterministic = true;

  constructor(code: TorchIoErrorCode, message: string, where: TorchIoErrorWhere = {}) {
    const at = [where.entry !== undefined ? `entry ${where.entry}` : '', where.offset !== undefined ? `byte ${where.offset}` : '']
      .filter(Boolean)
      .join(', ');
    super(at ? `${message} (${at})` : message);
    this.name = 'TorchIoError';
    this.code = code;
    this.entry = where.entry;
    this.offset = where.offset;
  }
}
