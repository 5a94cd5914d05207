import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fingerprintFiles, readCachedPool, writeCachedPool, type Fingerprint } from './cache.js';
import { corruptError, type DatasetContext, type DatasetDefinition, type RolePool } from './dataset-definition.js';
import { DataError, FormatError } from './errors.js';
import { imageChannels, readImageFiles, type ChannelCount } from './image-files.js';
import { candidateDirs, isDirectory, isFile, listDirs, listFiles, notFoundError } from './locate.js';
import type { SplitScheme } from './split.js';
import type { ImageArray, Role } from './types.js';

const JPEG = /\.jpe?g$/i;
const PNG = /\.png$/i;

interface PoolSpec {
  part: string;
  /** Directory the files are relative to (for the cache fingerprint). */
  root: string;
  files: string[];
  channels: ChannelCount;
  labels?: Int32Array;
  map?: (v: number) => number;
  scheme: SplitScheme;
  /** Expected files, for error messages. */
  expected: string[];
  /** Cache the decoded pool (default true). */
  cache?: boolean;
}

/**
 * Decodes (and resizes to ctx.size) every file of a pool, through the on-disk cache when enabled.
 * Missing or undecodable files become coded errors naming the dataset and the file.
 */
async function decodePool(ctx: DatasetContext, spec: PoolSpec): Promise<RolePool> {
  const base = { scheme: spec.scheme, origin: 'data-dir' as const, part: spec.part, files: spec.files };
  const useCache = ctx.cacheDir !== undefined && spec.cache !== false && ctx.size !== undefined;
  let fingerprint: Fingerprint | undefined;
  if (useCache) {
    try {
      fingerprint = await fingerprintFiles(spec.root, spec.files);
    } catch (error) {
      const file = (error as { path?: string }).path;
      throw new DataError('DGM_DATA_NOT_FOUND', `dataset "${ctx.name}": cannot stat ${file ?? 'a source file'}: ${(error as Error).message}`, {
        dataset: ctx.name,
        expected: spec.expected,
        ...(file ? { file } : {}),
      });
    }
    const hit = await readCachedPool(ctx.cacheDir!, { dataset: ctx.name, part: spec.part, size: ctx.size! }, fingerprint);
    if (hit && hit.shape[0] === spec.files.length && hit.shape[1] === spec.channels) {
      ctx.logger.info({ dataset: ctx.name, part: spec.part, images: hit.shape[0], cacheDir: ctx.cacheDir }, 'decoded images read from the cache');
      return { ...hit, ...(spec.labels ? { labels: spec.labels } : {}), ...base, cached: true };
    }
  }
  const started = Date.now();
  ctx.logger.info({ dataset: ctx.name, part: spec.part, images: spec.files.length }, 'decoding images');
  let decoded: ImageArray;
  try {
    decoded = await readImageFiles(spec.files, {
      channels: spec.channels,
      ...(ctx.size ? { size: ctx.size } : {}),
      ...(spec.map ? { map: spec.map } : {}),
      concurrency: ctx.options.decodeConcurrency ?? 8,
    });
  } catch (error) {
    if (error instanceof FormatError) {
      const file = spec.files.find((f) => error.message.includes(f)) ?? spec.root;
      throw corruptError(ctx, file, spec.expected, error);
    }
    throw error;
  }
  const pool: ImageArray = spec.labels ? { ...decoded, labels: spec.labels } : decoded;
  ctx.logger.info({ dataset: ctx.name, part: spec.part, images: spec.files.length, ms: Date.now() - started }, 'images decoded');
  if (useCache && fingerprint) {
    try {
      await writeCachedPool(ctx.cacheDir!, { dataset: ctx.name, part: spec.part, size: ctx.size! }, fingerprint, pool);
    } catch (error) {
      ctx.logger.warn({ dataset: ctx.name, cacheDir: ctx.cacheDir, error: (error as Error).message }, 'could not write the decoded-image cache; continuing without it');
    }
  }
  return { ...pool, ...base, cached: false };
}

/** The first candidate (DATA_DIR-relative) for which `accept` holds. */
function firstDir(ctx: DatasetContext, relatives: string[], accept: (dir: string) => boolean): { dir?: string; searched: string[] } {
  const searched = candidateDirs(ctx.dataDir, relatives);
  return { dir: searched.find(accept), searched };
}

// ---------------------------------------------------------------- Omniglot

const OMNIGLOT_DIRS = ['omniglot/omniglot-py/images_background', 'omniglot/images_background', 'omniglot-py/images_background', 'images_background'];

/**
 * Omniglot `images_background` (30 alphabets, 964 characters × 20 = 19,280 PNGs of 105×105), in torchvision's
 * order: sorted alphabets, sorted characters, sorted files; label = character index. Converted to grey,
 * resized (PIL bilinear) and inverted, 255 − p (upstream: 255·clip(1 − ToTensor(img), 0, 1)), so strokes are
 * bright on black. Holdout scheme with valid = ⌊vf·N⌋ of the whole set (upstream's Omniglot arithmetic).
 */
const omniglot: DatasetDefinition = {
  name: 'omniglot',
  channels: 1,
  defaultSize: [28, 28],
  resize: 'image',
  locations: OMNIGLOT_DIRS,
  async pool(_role: Role, ctx: DatasetContext): Promise<RolePool> {
    const { dir, searched } = firstDir(ctx, OMNIGLOT_DIRS, (d) => listDirs(d).length > 0);
    const expected = ['<alphabet>/<character>/*.png'];
    if (!dir) throw notFoundError('omniglot', 'images_background folder', expected, searched, [], 'Unzip images_background.zip from https://github.com/brendenlake/omniglot');
    const files: string[] = [];
    const labels: number[] = [];
    let character = 0;
    for (const alphabet of listDirs(dir)) {
      for (const characterDir of listDirs(alphabet)) {
        for (const file of listFiles(characterDir, PNG)) {
          files.push(file);
          labels.push(character);
        }
        character += 1;
      }
    }
    if (files.length === 0) throw notFoundError('omniglot', 'PNG files', expected, [dir]);
    return decodePool(ctx, {
      part: 'background',
      root: dir,
      files,
      channels: 1,
      labels: Int32Array.from(labels),
      map: (v) => 255 - v,
      scheme: { kind: 'holdout', validOf: 'all' },
      expected,
    });
  },
};

// ---------------------------------------------------------------- CelebA

const CELEBA_DIRS = ['celeba/celeba', 'celeba', 'celeba/CelebA', 'CelebA'];
const PARTITION_FILES = ['list_eval_partition.txt', 'list_eval_partition.csv', 'Eval/list_eval_partition.txt'];
const ROLE_PARTITION: Record<Role, string> = { train: '0', valid: '1', test: '2' };

function celebaImageDir(root: string): string | undefined {
  const dir = join(root, 'img_align_celeba');
  if (!isDirectory(dir)) return undefined;
  // Kaggle's archive nests the folder in itself.
  const nested = join(dir, 'img_align_celeba');
  return isDirectory(nested) ? nested : dir;
}

/** `000001.jpg 0` lines (official .txt) or `image_id,partition` CSV (Kaggle). */
export function parseCelebaPartition(text: string): { file: string; partition: string }[] {
  const out: { file: string; partition: string }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line) continue;
    const fields = line.split(/[\s,]+/);
    if (i === 0 && fields[0] === 'image_id') continue;
    if (fields.length !== 2 || !/^[012]$/.test(fields[1]!)) throw new FormatError(`line ${i + 1}: expected "<file> <0|1|2>", got ${JSON.stringify(line)}`);
    out.push({ file: fields[0]!, partition: fields[1]! });
  }
  if (out.length === 0) throw new FormatError('no entries');
  return out;
}

/**
 * CelebA aligned images (178×218) with the official partition (0 train, 1 valid, 2 test: 162,770 / 19,867 /
 * 19,962), in partition-file order; resized to 32×32 without keeping the aspect ratio. No attribute labels.
 */
const celeba: DatasetDefinition = {
  name: 'celeba',
  channels: 3,
  defaultSize: [32, 32],
  resize: 'image',
  locations: CELEBA_DIRS.map((d) => `${d}/{img_align_celeba/[img_align_celeba/], list_eval_partition.txt | list_eval_partition.csv | Eval/list_eval_partition.txt}`),
  async pool(role: Role, ctx: DatasetContext): Promise<RolePool> {
    const expected = ['img_align_celeba/*.jpg', PARTITION_FILES.join(' | ')];
    const { dir, searched } = firstDir(ctx, CELEBA_DIRS, (d) => celebaImageDir(d) !== undefined && PARTITION_FILES.some((f) => isFile(join(d, f))));
    if (!dir) throw notFoundError('celeba', 'img_align_celeba folder with its partition file', expected, searched);
    const imageDir = celebaImageDir(dir)!;
    const partitionFile = PARTITION_FILES.map((f) => join(dir, f)).find(isFile)!;
    let entries: { file: string; partition: string }[];
    try {
      entries = parseCelebaPartition(readFileSync(partitionFile, 'utf8'));
    } catch (error) {
      if (error instanceof FormatError) throw corruptError(ctx, partitionFile, expected, error);
      throw error;
    }
    const files = entries.filter((e) => e.partition === ROLE_PARTITION[role]).map((e) => join(imageDir, e.file));
    if (files.length === 0) throw corruptError(ctx, partitionFile, expected, new Error(`no images in partition ${ROLE_PARTITION[role]} (${role})`));
    return decodePool(ctx, { part: role, root: imageDir, files, channels: 3, scheme: { kind: 'as-is' }, expected });
  },
};

// ---------------------------------------------------------------- CelebA-small

const CELEBA_SMALL_DIRS = ['celeba-small/celeba_5000_clean', 'celeba_5000_clean', 'celeba-small'];

/**
 * Zenodo 5561092 `celeba_5000_clean.zip` (≈4.75k Haar-cascade face crops of varying size), resized to 32×32.
 * Files sorted by name (upstream used unsorted glob order, so its split depended on the file system).
 */
const celebaSmall: DatasetDefinition = {
  name: 'celeba-small',
  channels: 3,
  defaultSize: [32, 32],
  resize: 'image',
  locations: CELEBA_SMALL_DIRS.map((d) => `${d}/*.jpg`),
  async pool(_role: Role, ctx: DatasetContext): Promise<RolePool> {
    const expected = ['celeba_5000_clean/*.jpg'];
    const { dir, searched } = firstDir(ctx, CELEBA_SMALL_DIRS, (d) => listFiles(d, JPEG).length > 0);
    if (!dir) throw notFoundError('celeba-small', 'JPEG folder', expected, searched, [], 'Unzip celeba_5000_clean.zip from https://zenodo.org/record/5561092');
    return decodePool(ctx, { part: 'all', root: dir, files: listFiles(dir, JPEG), channels: 3, scheme: { kind: 'celeba-small' }, expected });
  },
};

// ---------------------------------------------------------------- Tiny-ImageNet

const TINY_DIRS = ['tiny-imagenet/tiny-imagenet/tiny-imagenet-200', 'tiny-imagenet/tiny-imagenet-200', 'tiny-imagenet-200', 'tiny-imagenet'];

/**
 * cs231n `tiny-imagenet-200` (64×64 JPEGs) resized to 32×32. Roles train/valid share the pool
 * `train/<wnid>/images/*.JPEG` (100k, sorted by class then file) followed by `val/images/*.JPEG` (10k, sorted);
 * role test reads `test/images/*.JPEG` (10k, unlabeled), unpermuted. No labels (upstream returns none).
 */
const tinyImagenet: DatasetDefinition = {
  name: 'tiny-imagenet',
  channels: 3,
  defaultSize: [32, 32],
  resize: 'image',
  locations: TINY_DIRS.map((d) => `${d}/{train/*/images, val/images, test/images}`),
  async pool(role: Role, ctx: DatasetContext): Promise<RolePool> {
    const needsTest = role === 'test';
    const expected = needsTest ? ['test/images/*.JPEG'] : ['train/<wnid>/images/*.JPEG', 'val/images/*.JPEG'];
    const accept = (d: string) => (needsTest ? listFiles(join(d, 'test', 'images'), JPEG).length > 0 : isDirectory(join(d, 'train')));
    const { dir, searched } = firstDir(ctx, TINY_DIRS, accept);
    if (!dir) throw notFoundError('tiny-imagenet', needsTest ? 'test images' : 'train folder', expected, searched, [], 'Unzip tiny-imagenet-200.zip from http://cs231n.stanford.edu/');
    let files: string[];
    if (needsTest) files = listFiles(join(dir, 'test', 'images'), JPEG);
    else {
      files = listDirs(join(dir, 'train')).flatMap((cls) => listFiles(join(cls, 'images'), JPEG));
      files.push(...listFiles(join(dir, 'val', 'images'), JPEG));
      if (files.length === 0) throw notFoundError('tiny-imagenet', 'training JPEGs', expected, [dir]);
    }
    return decodePool(ctx, {
      part: needsTest ? 'test' : 'trainval',
      root: dir,
      files,
      channels: 3,
      scheme: { kind: 'train-valid' },
      expected,
    });
  },
};

// ---------------------------------------------------------------- dgm-generated

/**
 * Samples written by a model (docs/reference-notes.md §1.5): a folder holding exactly `1.png…N.png` (mode L or RGB),
 * read in numeric order, at their own size unless a size is requested. Every role gets the same images.
 * The folder is `options.generated.dir` (absolute, or relative to DATA_DIR, where upstream keeps it).
 */
const dgmGenerated: DatasetDefinition = {
  name: 'dgm-generated',
  channels: undefined, // per folder: 1 or 3, from the first image's header
  defaultSize: undefined,
  resize: 'image',
  locations: ['<options.generated.dir>/1.png … N.png'],
  async pool(_role: Role, ctx: DatasetContext): Promise<RolePool> {
    const spec = ctx.options.generated;
    if (!spec?.dir) {
      throw new DataError('DGM_DATA_INVALID_OPTION', 'dataset "dgm-generated": options.generated.dir (the folder of 1.png…N.png) is required', { dataset: 'dgm-generated' });
    }
    const dir = isAbsolute(spec.dir) ? spec.dir : resolve(ctx.dataDir, spec.dir);
    const expected = ['1.png … N.png'];
    const names = listFiles(dir, PNG).map((f) => basename(f));
    const numbered = names.filter((n) => /^[1-9]\d*\.png$/.test(n)).map((n) => Number.parseInt(n, 10)).sort((a, b) => a - b);
    if (numbered.length === 0) throw notFoundError('dgm-generated', 'generated PNGs', expected, [dir]);
    const n = numbered.length;
    if (numbered[n - 1] !== n) {
      const have = new Set(numbered);
      const missing = [] as number[];
      for (let i = 1; i <= numbered[n - 1]! && missing.length < 5; i++) if (!have.has(i)) missing.push(i);
      throw new DataError('DGM_DATA_CORRUPT', `dataset "dgm-generated": ${dir} has ${n} numbered PNGs but not 1…${n} (missing ${missing.map((m) => `${m}.png`).join(', ')}…)`, {
        dataset: 'dgm-generated',
        expected,
        searched: [dir],
      });
    }
    if (spec.length !== undefined && spec.length !== n) {
      throw new DataError('DGM_DATA_CORRUPT', `dataset "dgm-generated": ${dir} holds ${n} samples, expected ${spec.length}; regenerate them`, {
        dataset: 'dgm-generated',
        expected: [`1.png … ${spec.length}.png`],
        searched: [dir],
      });
    }
    const files = numbered.map((i) => join(dir, `${i}.png`));
    let channels: ChannelCount;
    try {
      channels = await imageChannels(files[0]!);
    } catch (error) {
      if (error instanceof FormatError) throw corruptError(ctx, files[0]!, expected, error);
      throw error;
    }
    const part = `${basename(dir)}-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`;
    return decodePool(ctx, { part, root: dir, files, channels, scheme: { kind: 'as-is' }, expected, cache: false });
  },
};

export const FOLDER_DATASETS = {
  omniglot,
  celeba,
  'celeba-small': celebaSmall,
  'tiny-imagenet': tinyImagenet,
  'dgm-generated': dgmGenerated,
} as const;
