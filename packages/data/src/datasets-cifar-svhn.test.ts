import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from './registry.js';
import { encodeCifarBinary, encodeCifarPickle } from './testing/cifar-writer.js';
import { encodeMat5 } from './testing/mat5-writer.js';
import { encodePickle } from './testing/pickle-writer.js';
import { makeTmpDir, recordingLogger } from './testing/tmp-dir.js';

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

/** n CHW images; image i has every pixel of channel c equal to (base + 3i + c) % 256. */
function cifarImages(n: number, base: number): Uint8Array {
  const out = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) out.fill((base + 3 * i + c) % 256, i * 3072 + c * 1024, i * 3072 + (c + 1) * 1024);
  return out;
}

function write(path: string, bytes: Uint8Array): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
}

describe('cifar10', () => {
  it('reads the python version (five training batches + test batch) at DATA_DIR/cifar10/cifar-10-batches-py', async () => {
    const dataDir = join(tmp.dir, 'c10py');
    for (let b = 1; b <= 5; b++) write(join(dataDir, `cifar10/cifar-10-batches-py/data_batch_${b}`), encodeCifarPickle(cifarImages(4, b * 20), [b, b, b, b], 'cifar10'));
    write(join(dataDir, 'cifar10/cifar-10-batches-py/test_batch'), encodeCifarPickle(cifarImages(3, 200), [7, 8, 9], 'cifar10'));
    const train = await loadDataset('cifar10', 'train', { dataDir, validFraction: 0.1 });
    const valid = await loadDataset('cifar10', 'valid', { dataDir, validFraction: 0.1 });
    expect([train.shape, valid.shape]).toEqual([[18, 3, 32, 32], [2, 3, 32, 32]]);
    // pool index p = 4(b−1) + i ⇒ label b, first red pixel (20b + 3i) % 256, green +1, blue +2
    for (const ds of [train, valid]) ds.indices.forEach((p, k) => {
      const b = Math.floor(p / 4) + 1;
      const i = p % 4;
      expect(ds.labels![k]).toBe(b);
      expect([ds.images[k * 3072], ds.images[k * 3072 + 1024], ds.images[k * 3072 + 2048]]).toEqual([0, 1, 2].map((c) => (20 * b + 3 * i + c) % 256));
    });
    const test = await loadDataset('cifar10', 'test', { dataDir });
    expect(test.shape[0]).toBe(3);
    expect(test.source.files).toEqual([join(dataDir, 'cifar10/cifar-10-batches-py/test_batch')]);
  });

  it('reads the binary version at DATA_DIR/cifar-10-batches-bin', async () => {
    const dataDir = join(tmp.dir, 'c10bin');
    for (let b = 1; b <= 5; b++) write(join(dataDir, `cifar-10-batches-bin/data_batch_${b}.bin`), encodeCifarBinary(cifarImages(2, b), [b, b], 'cifar10'));
    write(join(dataDir, 'cifar-10-batches-bin/test_batch.bin'), encodeCifarBinary(cifarImages(2, 9), [0, 1], 'cifar10'));
    const train = await loadDataset('cifar10', 'train', { dataDir, validFraction: 0 });
    expect(train.shape[0]).toBe(10);
    expect(train.source.files[0]).toBe(join(dataDir, 'cifar-10-batches-bin/data_batch_1.bin'));
    expect([...train.labels!].sort()).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
  });

  it('reports a hostile pickle as corrupt, naming the file, and lists both layouts when nothing is found', async () => {
    const dataDir = join(tmp.dir, 'c10bad');
    write(join(dataDir, 'cifar10/cifar-10-batches-py/test_batch'), encodePickle({ t: 'reduce', fn: { t: 'global', module: 'os', name: 'system' }, args: [{ t: 'str', v: 'true' }] }));
    const error = await loadDataset('cifar10', 'test', { dataDir }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_CORRUPT', file: join(dataDir, 'cifar10/cifar-10-batches-py/test_batch') });
    expect((error as Error).message).toMatch(/refusing global os\.system/);
    const missing = await loadDataset('cifar10', 'train', { dataDir }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', dataset: 'cifar10' });
    expect((missing as Error).message).toContain('data_batch_1.bin');
    expect((missing as Error).message).toContain(join(dataDir, 'cifar-10-batches-bin'));
  });
});

describe('cifar100', () => {
  for (const format of ['pickle', 'binary'] as const) {
    it(`reads the ${format} version with fine labels`, async () => {
      const dataDir = join(tmp.dir, `c100${format}`);
      const [dir, train, test] = format === 'pickle' ? ['cifar100/cifar-100-python', 'train', 'test'] : ['cifar-100-binary', 'train.bin', 'test.bin'];
      const enc = format === 'pickle' ? encodeCifarPickle : encodeCifarBinary;
      write(join(dataDir, dir, train), enc(cifarImages(5, 0), [99, 0, 42, 7, 7], 'cifar100'));
      write(join(dataDir, dir, test), enc(cifarImages(2, 50), [3, 98], 'cifar100'));
      const t = await loadDataset('cifar100', 'test', { dataDir });
      expect(t.shape).toEqual([2, 3, 32, 32]);
      t.indices.forEach((p, k) => expect(t.labels![k]).toBe([3, 98][p]));
      const tr = await loadDataset('cifar100', 'train', { dataDir, validFraction: 0 });
      expect([...tr.labels!].sort((a, b) => a - b)).toEqual([0, 7, 7, 42, 99]);
    });
  }
});

describe('svhn', () => {
  /** A (32, 32, 3, n) column-major X whose image i is filled with `fill + i`, and labels y. */
  function svhnMat(n: number, fill: number, y: number[], compress: boolean): Uint8Array {
    const X = new Uint8Array(32 * 32 * 3 * n);
    for (let i = 0; i < n; i++) X.fill(fill + i, i * 3072, (i + 1) * 3072);
    return encodeMat5([{ name: 'X', class: 'uint8', dims: [32, 32, 3, n], data: X }, { name: 'y', class: 'double', dims: [n, 1], data: y }], { compress });
  }
  const dataDir = join(tmp.dir, 'svhn');
  write(join(dataDir, 'svhn/train_32x32.mat'), svhnMat(10, 100, [10, 1, 2, 3, 4, 5, 6, 7, 8, 9], true));
  write(join(dataDir, 'svhn/test_32x32.mat'), svhnMat(4, 200, [10, 10, 5, 1], false));

  it('trains on train_32x32.mat (fixed split) and tests on test_32x32.mat; label 10 → 0', async () => {
    const train = await loadDataset('svhn', 'train', { dataDir });
    const valid = await loadDataset('svhn', 'valid', { dataDir });
    const test = await loadDataset('svhn', 'test', { dataDir });
    expect([train.shape[0], valid.shape[0], test.shape[0]]).toEqual([9, 1, 4]);
    expect(train.source.files).toEqual([join(dataDir, 'svhn/train_32x32.mat')]);
    train.indices.forEach((p, k) => {
      expect(train.images[k * 3072]).toBe(100 + p);
      expect(train.labels![k]).toBe(p === 0 ? 0 : p);
    });
    expect([...test.labels!].sort()).toEqual([0, 0, 1, 5]);
  });

  it('reproduces upstream\'s split bug on request (train and test read the test file), with a warning', async () => {
    const logger = recordingLogger();
    const opts = { dataDir, svhnUpstreamSplitBug: true, logger };
    const train = await loadDataset('svhn', 'train', opts);
    const test = await loadDataset('svhn', 'test', opts);
    const valid = await loadDataset('svhn', 'valid', opts);
    expect(train.source.files).toEqual([join(dataDir, 'svhn/test_32x32.mat')]);
    expect(valid.source.files).toEqual([join(dataDir, 'svhn/train_32x32.mat')]);
    // the "test" role contains the training images
    expect([...train.indices].every((i) => test.indices.includes(i))).toBe(true);
    expect(logger.entries.filter((e) => e.level === 'warn' && /svhnUpstreamSplitBug/.test(e.msg))).toHaveLength(3);
  });

  it('finds the files directly under DATA_DIR too (torchvision root = DATA_DIR)', async () => {
    const flat = join(tmp.dir, 'svhn-flat');
    write(join(flat, 'test_32x32.mat'), svhnMat(2, 0, [1, 2], false));
    expect((await loadDataset('svhn', 'test', { dataDir: flat })).shape[0]).toBe(2);
    const error = await loadDataset('svhn', 'train', { dataDir: flat }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', expected: ['train_32x32.mat'] });
    expect((error as { searched: string[] }).searched).toEqual([join(flat, 'svhn'), join(flat, 'SVHN'), join(flat, 'svhn/SVHN'), flat]);
  });
});
