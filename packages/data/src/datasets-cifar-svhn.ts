import { concatParts, parseCifarBinary, parseCifarPickle, type CifarVariant } from './cifar.js';
import {
  parseSource,
  readSourceFile,
  type DatasetContext,
  type DatasetDefinition,
  type RolePool,
} from './dataset-definition.js';
import { candidateDirs, describeSpecs, locateFiles, notFoundError, type FileSpec } from './locate.js';
import { parseMat5 } from './mat5.js';
import { svhnFromMat } from './svhn.js';
import type { Role } from './types.js';

interface CifarLayout {
  format: 'pickle' | 'binary';
  dirs: string[];
  train: string[];
  test: string[];
}

/** Both official versions; the python version (upstream's, via torchvision) is tried first. */
const CIFAR_LAYOUTS: Record<CifarVariant, CifarLayout[]> = {
  cifar10: [
    {
      format: 'pickle',
      dirs: ['cifar10/cifar-10-batches-py', 'cifar-10-batches-py', 'cifar10'],
      train: ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'],
      test: ['test_batch'],
    },
    {
      format: 'binary',
      dirs: ['cifar10/cifar-10-batches-bin', 'cifar-10-batches-bin', 'cifar10'],
      train: ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'],
      test: ['test_batch.bin'],
    },
  ],
  cifar100: [
    { format: 'pickle', dirs: ['cifar100/cifar-100-python', 'cifar-100-python', 'cifar100'], train: ['train'], test: ['test'] },
    { format: 'binary', dirs: ['cifar100/cifar-100-binary', 'cifar-100-binary', 'cifar100'], train: ['train.bin'], test: ['test.bin'] },
  ],
};

/** CIFAR-10/100: roles train/valid read the training batches, role test the test batch (standard scheme). */
function cifar(variant: CifarVariant): DatasetDefinition {
  const layouts = CIFAR_LAYOUTS[variant];
  return {
    name: variant,
    channels: 3,
    defaultSize: [32, 32],
    resize: 'tensor',
    locations: layouts.flatMap((l) => l.dirs.map((d) => `${d} (${l.format})`)),
    async pool(role: Role, ctx: DatasetContext): Promise<RolePool> {
      const part = role === 'test' ? 'test' : 'train';
      const searched: string[] = [];
      const partial: string[] = [];
      const expected: string[] = [];
      for (const layout of layouts) {
        const names = layout[part];
        const specs: FileSpec[] = names.map((n) => ({ label: n, names: [n] }));
        expected.push(`${names.join(', ')} (${layout.format})`);
        const dirs = candidateDirs(ctx.dataDir, layout.dirs);
        searched.push(...dirs.filter((d) => !searched.includes(d)));
        const located = locateFiles(dirs, specs);
        partial.push(...located.partial);
        if (!located.found) continue;
        const files = names.map((n) => located.found!.files.get(n)!);
        const parts = files.map((file) => {
          const bytes = readSourceFile(ctx, file, describeSpecs(specs));
          return parseSource(ctx, file, describeSpecs(specs), () =>
            layout.format === 'pickle' ? parseCifarPickle(bytes, variant) : parseCifarBinary(bytes, variant),
          );
        });
        const all = concatParts(parts);
        return { images: all.images, labels: all.labels, shape: [all.n, 3, 32, 32], scheme: { kind: 'standard' }, origin: 'data-dir', part, files, cached: false };
      }
      throw notFoundError(variant, `${part} batches`, expected, searched, partial);
    },
  };
}

const SVHN_DIRS = ['svhn', 'SVHN', 'svhn/SVHN', '.'];

/**
 * SVHN cropped digits. Fixed split (default): roles train/valid read `train_32x32.mat`, role test
 * `test_32x32.mat`. With `svhnUpstreamSplitBug`, roles train and test both read `test_32x32.mat` and only
 * valid reads the training file — upstream's `role in ['valid' or 'train']` (docs/reference-notes.md §1.3).
 */
const svhn: DatasetDefinition = {
  name: 'svhn',
  channels: 3,
  defaultSize: [32, 32],
  resize: 'tensor',
  locations: SVHN_DIRS,
  async pool(role: Role, ctx: DatasetContext): Promise<RolePool> {
    const upstreamBug = ctx.options.svhnUpstreamSplitBug === true;
    const readsTrain = upstreamBug ? role === 'valid' : role !== 'test';
    const part = readsTrain ? 'train' : 'test';
    if (upstreamBug) {
      ctx.logger.warn({ dataset: 'svhn', role, file: `${part}_32x32.mat` }, 'svhnUpstreamSplitBug: reproducing upstream\'s SVHN split (roles train and test read the test file)');
    }
    const specs: FileSpec[] = [{ label: part, names: [`${part}_32x32.mat`] }];
    const searched = candidateDirs(ctx.dataDir, SVHN_DIRS);
    const located = locateFiles(searched, specs);
    if (!located.found) throw notFoundError('svhn', `${part}_32x32.mat`, describeSpecs(specs), searched, located.partial);
    const file = located.found.files.get(part)!;
    const bytes = readSourceFile(ctx, file, describeSpecs(specs));
    const p = parseSource(ctx, file, describeSpecs(specs), () => svhnFromMat(parseMat5(bytes)));
    return { images: p.images, labels: p.labels, shape: [p.n, 3, p.h, p.w], scheme: { kind: 'standard' }, origin: 'data-dir', part, files: [file], cached: false };
  },
};

export const CIFAR_SVHN_DATASETS = { cifar10: cifar('cifar10'), cifar100: cifar('cifar100'), svhn } as const;
