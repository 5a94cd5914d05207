import { join, resolve } from 'node:path';
// A subpath, not the root: this package has no use for config's logger (pino).
import { loadSetting } from '@dgm-ood/config/env';
import {
  DATASET_NAMES,
  type DatasetContext,
  type DatasetDefinition,
  type DatasetName,
  type LoadDatasetOptions,
  type RolePool,
} from './dataset-definition.js';
import { CIFAR_SVHN_DATASETS } from './datasets-cifar-svhn.js';
import { FOLDER_DATASETS } from './datasets-folders.js';
import { IDX_DATASETS } from './datasets-idx.js';
import { MEDMNIST_DATASET } from './datasets-medmnist.js';
import { DataError, invalidOption } from './errors.js';
import { resizeFloat, resizeUint8 } from './resize.js';
import { checkValidFraction, DEFAULT_VALID_FRACTION, selectSplit, type SplitScheme } from './split.js';
import { ROLES, silentLogger, type ImageArray, type Role, type Shape4 } from './types.js';

/** Every dataset, by the reference project's name. */
export const DATASETS: Readonly<Record<DatasetName, DatasetDefinition>> = {
  ...IDX_DATASETS,
  ...CIFAR_SVHN_DATASETS,
  ...FOLDER_DATASETS,
  medmnist: MEDMNIST_DATASET,
};

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

export function getDataset(name: string): DatasetDefinition {
  if (!isDatasetName(name)) {
    throw new DataError('DGM_DATA_UNKNOWN_DATASET', `unknown dataset "${name}" (known: ${DATASET_NAMES.join(', ')})`, { dataset: name });
  }
  return DATASETS[name];
}

/** What a dataset definition says about itself (everything but its reader). */
export type DatasetInfo = Omit<DatasetDefinition, 'pool'>;

export function listDatasets(): DatasetInfo[] {
  return DATASET_NAMES.map((name) => {
    const d = DATASETS[name];
    return { name, channels: d.channels, defaultSize: d.defaultSize, resize: d.resize, locations: d.locations };
  });
}

export interface LoadedDataset extends ImageArray {
  name: DatasetName;
  role: Role;
  /** Positions of the returned images in the role's source pool (pool order is documented per dataset). */
  indices: Int32Array;
  source: {
    origin: 'data-dir' | 'embedded';
    part: string;
    files: string[];
    scheme: SplitScheme;
    cached: boolean;
  };
}

function checkSize(size: unknown, dataset: string): asserts size is readonly [number, number] {
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0)) {
    throw invalidOption(`size must be [height, width] with positive integers, got ${JSON.stringify(size)}`, dataset);
  }
}

/** The images (and labels) at `indices`, in that order. */
export function gather(pool: ImageArray, indices: Int32Array): ImageArray {
  const [, c, h, w] = pool.shape;
  const per = c * h * w;
  const images = pool.images instanceof Uint8Array ? new Uint8Array(indices.length * per) : new Float32Array(indices.length * per);
  indices.forEach((src, k) => images.set(pool.images.subarray(src * per, (src + 1) * per), k * per));
  const shape: Shape4 = [indices.length, c, h, w];
  if (!pool.labels) return { images, shape };
  const labels = new Int32Array(indices.length);
  indices.forEach((src, k) => (labels[k] = pool.labels![src]!));
  return { images, shape, labels };
}

/**
 * Loads one role of a dataset: finds its files under DATA_DIR (or the embedded copy), decodes them, applies
 * the dataset's seeded split and resizes to `size` the way upstream does for that dataset. Pixels are NCHW
 * in [0, 255] (uint8 while exact, float32 after a float resize). Throws a `DataError` with a `DGM_DATA_*` code.
 */
export async function loadDataset(name: string, role: Role, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const def = getDataset(name);
  if (!ROLES.includes(role)) throw invalidOption(`role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`, name);
  const validFraction = options.validFraction ?? DEFAULT_VALID_FRACTION;
  checkValidFraction(validFraction, name);
  const splitSeed = options.splitSeed ?? 0;
  if (!Number.isSafeInteger(splitSeed)) throw invalidOption(`splitSeed must be an integer, got ${splitSeed}`, name);
  const size = options.size ?? def.defaultSize;
  if (size !== undefined) checkSize(size, name);
  // The option resolves against the cwd; DATA_DIR comes validated and absolute from the config module.
  const dataDir = options.dataDir !== undefined ? resolve(options.dataDir) : loadSetting('DATA_DIR');
  const cacheDir = options.cacheDir === false ? undefined : (options.cacheDir ?? join(dataDir, '.cache'));
  const logger = options.logger ?? silentLogger;
  const ctx: DatasetContext = {
    name: def.name,
    dataDir,
    logger,
    cacheDir,
    embedded: options.embedded ?? 'fallback',
    size,
    options,
  };

  const pool: RolePool = await def.pool(role, ctx);
  const indices = selectSplit(pool.scheme, pool.shape[0], role, validFraction, splitSeed);
  let selected = gather(pool, indices);
  const [, , h, w] = selected.shape;
  if (size && (size[0] !== h || size[1] !== w)) {
    const [n, c] = selected.shape;
    const images =
      def.resize === 'tensor' || selected.images instanceof Float32Array
        ? resizeFloat(selected.images, selected.shape, size)
        : resizeUint8(selected.images, selected.shape, size);
    selected = { ...selected, images, shape: [n, c, size[0], size[1]] };
  }
  logger.info(
    { dataset: def.name, role, images: selected.shape[0], shape: selected.shape, origin: pool.origin, part: pool.part, cached: pool.cached, validFraction, splitSeed },
    'dataset loaded',
  );
  return {
    ...selected,
    name: def.name,
    role,
    indices,
    source: { origin: pool.origin, part: pool.part, files: pool.files, scheme: pool.scheme, cached: pool.cached },
  };
}
