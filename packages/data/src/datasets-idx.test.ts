import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from './registry.js';
import { resizeUint8 } from './resize.js';
import { encodeIdx } from './testing/idx-writer.js';
import { makeTmpDir } from './testing/tmp-dir.js';

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

/** Image i is filled with value (i·10 + pixel) % 256, so each image is recognisable by its first pixel. */
function images(n: number, h = 28, w = 28): Uint8Array {
  return Uint8Array.from({ length: n * h * w }, (_, k) => (Math.floor(k / (h * w)) * 10 + (k % (h * w))) % 256);
}

function writeIdxPair(dir: string, prefix: string, n: number, labels: number[], gzip: boolean, h = 28, w = 28): void {
  mkdirSync(dir, { recursive: true });
  const ext = gzip ? '.gz' : '';
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte${ext}`), encodeIdx([n, h, w], images(n, h, w), { gzip }));
  writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte${ext}`), encodeIdx([n], Uint8Array.from(labels), { gzip }));
}

const firstPixels = (x: { images: Uint8Array | Float32Array; shape: number[] }) =>
  Array.from({ length: x.shape[0]! }, (_, i) => x.images[i * x.shape[1]! * x.shape[2]! * x.shape[3]!]);

describe('mnist / fashion-mnist from DATA_DIR', () => {
  it('reads torchvision\'s layout (DATA_DIR/mnist/MNIST/raw, raw files) with the standard split', async () => {
    const dataDir = join(tmp.dir, 'a');
    writeIdxPair(join(dataDir, 'mnist/MNIST/raw'), 'train', 20, Array.from({ length: 20 }, (_, i) => i % 10), false);
    writeIdxPair(join(dataDir, 'mnist/MNIST/raw'), 't10k', 5, [4, 3, 2, 1, 0], false);
    const train = await loadDataset('mnist', 'train', { dataDir });
    const valid = await loadDataset('mnist', 'valid', { dataDir });
    const test = await loadDataset('mnist', 'test', { dataDir });
    expect(train.shape).toEqual([18, 1, 28, 28]);
    expect(valid.shape).toEqual([2, 1, 28, 28]);
    expect(test.shape).toEqual([5, 1, 28, 28]);
    expect(train.source).toMatchObject({ origin: 'data-dir', part: 'train', scheme: { kind: 'standard' } });
    expect(train.source.files[0]).toBe(join(dataDir, 'mnist/MNIST/raw/train-images-idx3-ubyte'));
    // every image carries its own label: image i has label i % 10 and first pixel i·10 % 256
    for (const ds of [train, valid]) ds.indices.forEach((src, k) => {
      expect(ds.labels![k]).toBe(src % 10);
      expect(ds.images[k * 784]).toBe((src * 10) % 256);
    });
    expect(new Set([...train.indices, ...valid.indices]).size).toBe(20);
    expect([...test.labels!].sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('reads gzipped files at DATA_DIR/MNIST/raw and fashion-mnist from DATA_DIR before the embedded copy', async () => {
    const dataDir = join(tmp.dir, 'b');
    writeIdxPair(join(dataDir, 'MNIST/raw'), 't10k', 3, [1, 2, 3], true);
    writeIdxPair(join(dataDir, 'fashion-mnist/FashionMNIST/raw'), 't10k', 4, [0, 0, 1, 1], true);
    const m = await loadDataset('mnist', 'test', { dataDir });
    expect(m.shape[0]).toBe(3);
    expect(m.source.files[0]).toBe(join(dataDir, 'MNIST/raw/t10k-images-idx3-ubyte.gz'));
    const f = await loadDataset('fashion-mnist', 'test', { dataDir });
    expect(f.shape[0]).toBe(4);
    expect(f.source.origin).toBe('data-dir');
  });

  it('names the corrupt file', async () => {
    const dataDir = join(tmp.dir, 'c');
    mkdirSync(join(dataDir, 'mnist'), { recursive: true });
    writeFileSync(join(dataDir, 'mnist/t10k-images-idx3-ubyte'), encodeIdx([3, 28, 28], images(3)).subarray(0, 500));
    writeFileSync(join(dataDir, 'mnist/t10k-labels-idx1-ubyte'), encodeIdx([3], Uint8Array.from([1, 2, 3])));
    const error = await loadDataset('mnist', 'test', { dataDir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_CORRUPT', dataset: 'mnist', file: join(dataDir, 'mnist/t10k-images-idx3-ubyte') });
    expect((error as Error).message).toMatch(/truncated/);
  });

  it('says which file a directory lacks', async () => {
    const dataDir = join(tmp.dir, 'd');
    mkdirSync(join(dataDir, 'mnist'), { recursive: true });
    writeFileSync(join(dataDir, 'mnist/train-images-idx3-ubyte'), encodeIdx([1, 28, 28], images(1)));
    const error = await loadDataset('mnist', 'train', { dataDir, embedded: 'never' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_NOT_FOUND' });
    expect((error as Error).message).toContain(`${join(dataDir, 'mnist')} lacks train-labels-idx1-ubyte or`);
  });
});

describe('emnist / emnist-minus-mnist', () => {
  const labels = [0, 5, 10, 35, 61, 9, 12, 10, 3, 40, 11, 60, 2, 20, 30, 50, 1, 13, 14, 15];
  const dataDir = join(tmp.dir, 'e');
  writeIdxPair(join(dataDir, 'emnist/EMNIST/raw'), 'emnist-byclass-train', labels.length, labels, false);

  it('reads the byclass training file with the holdout split (test = 10%)', async () => {
    const test = await loadDataset('emnist', 'test', { dataDir });
    const valid = await loadDataset('emnist', 'valid', { dataDir });
    const train = await loadDataset('emnist', 'train', { dataDir });
    expect([test.shape[0], valid.shape[0], train.shape[0]]).toEqual([2, 1, 17]);
    expect(new Set([...test.indices, ...valid.indices, ...train.indices]).size).toBe(20);
    train.indices.forEach((src, k) => expect(train.labels![k]).toBe(labels[src]));
    expect(train.source.scheme).toEqual({ kind: 'holdout', validOf: 'rest' });
  });

  it('minus-mnist keeps labels ≥ 10, shifted by −10, reading the emnist folder when its own is absent', async () => {
    const letters = labels.filter((l) => l >= 10);
    const all = await loadDataset('emnist-minus-mnist', 'train', { dataDir, validFraction: 0 });
    const test = await loadDataset('emnist-minus-mnist', 'test', { dataDir });
    expect(all.shape[0] + test.shape[0]).toBe(letters.length);
    const seen = [...all.labels!, ...test.labels!].sort((a, b) => a - b);
    expect(seen).toEqual(letters.map((l) => l - 10).sort((a, b) => a - b));
    expect(all.source.files[0]).toBe(join(dataDir, 'emnist/EMNIST/raw/emnist-byclass-train-images-idx3-ubyte'));
  });

  it('keeps the transposed IDX orientation by default; "natural" transposes', async () => {
    const raw = await loadDataset('emnist', 'test', { dataDir });
    const natural = await loadDataset('emnist', 'test', { dataDir, emnistOrientation: 'natural' });
    expect(natural.indices).toEqual(raw.indices);
    for (const [y, x] of [[0, 1], [3, 17], [27, 2]] as const) expect(natural.images[y * 28 + x]).toBe(raw.images[x * 28 + y]);
  });

  it('resizes like PIL on the 8-bit image (uint8 output)', async () => {
    const big = await loadDataset('emnist', 'test', { dataDir, size: [32, 32] });
    const native = await loadDataset('emnist', 'test', { dataDir });
    expect(big.images).toBeInstanceOf(Uint8Array);
    expect(big.shape).toEqual([2, 1, 32, 32]);
    expect(big.images).toEqual(resizeUint8(native.images as Uint8Array, native.shape, [32, 32]));
  });
});

describe('mnist float resize', () => {
  it('turns the resized pool into float32 and keeps first pixels ordered by the split', async () => {
    const dataDir = join(tmp.dir, 'f');
    writeIdxPair(join(dataDir, 'mnist'), 't10k', 4, [0, 1, 2, 3], true);
    const native = await loadDataset('mnist', 'test', { dataDir });
    const big = await loadDataset('mnist', 'test', { dataDir, size: [32, 32] });
    expect(big.images).toBeInstanceOf(Float32Array);
    expect(big.indices).toEqual(native.indices);
    expect(firstPixels(native)).toEqual([...native.indices].map((i) => (i * 10) % 256));
  });
});
