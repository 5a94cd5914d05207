import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { centerCrop } from './datasets-medmnist.js';
import { loadDataset } from './registry.js';
import { resizeFloat } from './resize.js';
import { encodeNpy, encodeNpz } from './testing/npz-writer.js';
import { makeTmpDir } from './testing/tmp-dir.js';

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

const PIXELS = 28 * 28;
/** Image i of split s: pixel p = (i·7 + p + offset(s)) % 256, so each image is recognisable by its first pixel. */
const OFFSET = { train: 0, val: 100, test: 200 } as const;
function splitImages(split: keyof typeof OFFSET, n: number): Uint8Array {
  return Uint8Array.from({ length: n * PIXELS }, (_, k) => (Math.floor(k / PIXELS) * 7 + (k % PIXELS) + OFFSET[split]) % 256);
}

/** What the medmnist package downloads: train/val/test images (N×28×28 uint8) and labels (N×K uint8). */
function writeMedmnist(path: string, counts: { train: number; val: number; test: number }, labelWidth: number, compress = true): void {
  const arrays: Record<string, Uint8Array> = {};
  for (const split of ['train', 'val', 'test'] as const) {
    const n = counts[split];
    arrays[`${split}_images`] = encodeNpy('|u1', [n, 28, 28], splitImages(split, n));
    // label row i: [i % 5 + offset/100, 1, 1, …] — the first entry is the label upstream keeps
    const labels = Uint8Array.from({ length: n * labelWidth }, (_, k) => (k % labelWidth === 0 ? (Math.floor(k / labelWidth) % 5) + OFFSET[split] / 100 : 1));
    arrays[`${split}_labels`] = encodeNpy('|u1', [n, labelWidth], labels);
  }
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, encodeNpz(arrays, { compress }));
}

const firstPixel = (x: { images: Uint8Array | Float32Array; shape: number[] }, k: number) => x.images[k * x.shape[1]! * x.shape[2]! * x.shape[3]!];

describe('medmnist from DATA_DIR/medmnist/<subclass>.npz', () => {
  const dataDir = join(tmp.dir, 'a');
  writeMedmnist(join(dataDir, 'medmnist/organamnist.npz'), { train: 20, val: 10, test: 6 }, 1);
  writeMedmnist(join(dataDir, 'medmnist/chestmnist.npz'), { train: 4, val: 2, test: 3 }, 14, false);

  it('each role reads its own split of the package (val for valid), split by the standard scheme', async () => {
    const opts = { dataDir, medmnist: { subclass: 'OrganAMNIST' } };
    const train = await loadDataset('medmnist', 'train', opts);
    const valid = await loadDataset('medmnist', 'valid', opts);
    const test = await loadDataset('medmnist', 'test', opts);
    // vf 0.1: train drops ⌊0.1·20⌋ = 2 of its split; valid keeps ⌊0.1·10⌋ = 1 of val; test keeps all 6
    expect([train.shape, valid.shape, test.shape]).toEqual([[18, 1, 28, 28], [1, 1, 28, 28], [6, 1, 28, 28]]);
    expect(train.source).toMatchObject({ origin: 'data-dir', part: 'OrganAMNIST-train', scheme: { kind: 'standard' }, files: [join(dataDir, 'medmnist/organamnist.npz')] });
    expect(valid.source.part).toBe('OrganAMNIST-val');
    for (const [ds, split] of [[train, 'train'], [valid, 'val'], [test, 'test']] as const) {
      ds.indices.forEach((src, k) => {
        expect(firstPixel(ds, k)).toBe((src * 7 + OFFSET[split]) % 256);
        expect(ds.labels![k]).toBe((src % 5) + OFFSET[split] / 100);
      });
      expect(ds.images).toBeInstanceOf(Uint8Array); // 28×28 stays exact
    }
    expect(new Set(test.indices).size).toBe(6);
  });

  it('ChestMNIST: label = first of the 14 entries; aligned (default) = centre crop 27×18, then a float resize to 28×28', async () => {
    const aligned = await loadDataset('medmnist', 'test', { dataDir, medmnist: { subclass: 'ChestMNIST' } });
    const plain = await loadDataset('medmnist', 'test', { dataDir, medmnist: { subclass: 'ChestMNIST', align: false } });
    expect([...plain.labels!].sort()).toEqual([2, 3, 4]);
    expect(plain.images).toEqual(
      Uint8Array.from([...plain.indices].flatMap((i) => [...splitImages('test', 3).subarray(i * PIXELS, (i + 1) * PIXELS)])),
    );
    expect(aligned.source.part).toBe('ChestMNIST-test-align');
    expect(aligned.shape).toEqual([3, 1, 28, 28]);
    expect(aligned.images).toBeInstanceOf(Float32Array);
    const cropped = centerCrop(plain.images as Uint8Array, 3, 28, 28, 27, 18);
    expect(aligned.images).toEqual(resizeFloat(cropped, [3, 1, 27, 18], [28, 28]));
  });

  it('resize_image [32, 32] resizes the floats (the diffusion configs)', async () => {
    const r = await loadDataset('medmnist', 'valid', { dataDir, size: [32, 32], medmnist: { subclass: 'OrganAMNIST' } });
    expect(r.shape).toEqual([1, 1, 32, 32]);
    expect(r.images).toBeInstanceOf(Float32Array);
  });

  it('also finds DATA_DIR/<Subclass>.npz', async () => {
    const dir = join(tmp.dir, 'b');
    writeMedmnist(join(dir, 'PneumoniaMNIST.npz'), { train: 3, val: 1, test: 2 }, 1);
    const r = await loadDataset('medmnist', 'test', { dataDir: dir, medmnist: { subclass: 'PneumoniaMNIST' } });
    expect(r.source.files).toEqual([join(dir, 'PneumoniaMNIST.npz')]);
  });
});

describe('medmnist from a numpy-written file (np.savez_compressed, __fixtures__/npy/chestmnist.npz)', () => {
  const dataDir = join(import.meta.dirname, '__fixtures__/npy');

  it('reads every split with the fixture script\'s pixel and label formulas', async () => {
    for (const [role, split, n] of [['train', 'train', 5], ['valid', 'val', 0], ['test', 'test', 2]] as const) {
      const ds = await loadDataset('medmnist', role, { dataDir, medmnist: { subclass: 'ChestMNIST', align: false } });
      expect(ds.shape).toEqual([n, 1, 28, 28]); // vf 0.1: ⌊0.5⌋ = 0 train images dropped, ⌊0.3⌋ = 0 valid kept
      expect(ds.source.files).toEqual([join(dataDir, 'chestmnist.npz')]);
      ds.indices.forEach((src, k) => {
        const image = ds.images.subarray(k * PIXELS, (k + 1) * PIXELS);
        expect(image).toEqual(Uint8Array.from({ length: PIXELS }, (_, p) => (src * 7 + p + OFFSET[split]) % 256));
        expect(ds.labels![k]).toBe((src % 5) + OFFSET[split] / 100);
      });
    }
  });
});

describe('medmnist errors', () => {
  it('a missing file: DGM_DATA_NOT_FOUND listing the names and where it looked', async () => {
    const dataDir = join(tmp.dir, 'empty');
    mkdirSync(dataDir, { recursive: true });
    const err = await loadDataset('medmnist', 'train', { dataDir, medmnist: { subclass: 'OrganSMNIST' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'DGM_DATA_NOT_FOUND',
      expected: ['organsmnist.npz | OrganSMNIST.npz'],
      searched: [join(dataDir, 'medmnist'), join(dataDir, 'MedMNIST'), dataDir],
    });
    expect((err as Error).message).toMatch(/^dataset "medmnist": OrganSMNIST \.npz not found\. Download it with the medmnist package/);
  });

  it('a missing or unknown subclass: DGM_DATA_INVALID_OPTION naming the choices', async () => {
    for (const medmnist of [undefined, { subclass: 'PathMNIST' }]) {
      await expect(loadDataset('medmnist', 'train', { dataDir: tmp.dir, ...(medmnist ? { medmnist } : {}) })).rejects.toMatchObject({
        code: 'DGM_DATA_INVALID_OPTION',
        message: expect.stringMatching(/needs a subclass .* one of ChestMNIST, PneumoniaMNIST, OrganAMNIST, OrganCMNIST, OrganSMNIST/),
      });
    }
  });

  it('a truncated file: DGM_DATA_CORRUPT naming the file, the entry and the offset', async () => {
    const dataDir = join(tmp.dir, 'c');
    const file = join(dataDir, 'medmnist/organcmnist.npz');
    writeMedmnist(file, { train: 2, val: 1, test: 1 }, 1, false);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(file);
    // keep the directory, cut into the first entry (train_images): its stored data now runs into other bytes
    const broken = Buffer.concat([bytes.subarray(0, 200), Buffer.alloc(100), bytes.subarray(300)]);
    writeFileSync(file, broken);
    const err = await loadDataset('medmnist', 'train', { dataDir, medmnist: { subclass: 'OrganCMNIST' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DGM_DATA_CORRUPT', file });
    expect((err as Error).message).toMatch(/corrupt file .*organcmnist\.npz: npz entry train_images\.npy: CRC-32 mismatch at offset \d+/);
  });

  it('colour images are refused as corrupt (the reference subsets are grayscale)', async () => {
    const dataDir = join(tmp.dir, 'd');
    const arrays: Record<string, Uint8Array> = {
      train_images: encodeNpy('|u1', [1, 28, 28, 3], new Uint8Array(PIXELS * 3)),
      train_labels: encodeNpy('|u1', [1, 1], new Uint8Array(1)),
    };
    mkdirSync(join(dataDir, 'medmnist'), { recursive: true });
    writeFileSync(join(dataDir, 'medmnist/organsmnist.npz'), encodeNpz(arrays));
    await expect(loadDataset('medmnist', 'train', { dataDir, medmnist: { subclass: 'OrganSMNIST' } })).rejects.toMatchObject({
      code: 'DGM_DATA_CORRUPT',
      message: expect.stringMatching(/train_images must be uint8 N×H×W \(grayscale\), got u1 1×28×28×3/),
    });
  });
});

describe('centerCrop', () => {
  it('uses torchvision\'s offsets (Python round, half to even): 28×28 → 27×18 starts at row 0, column 5', () => {
    const img = Uint8Array.from({ length: PIXELS }, (_, p) => p % 256);
    const c = centerCrop(img, 1, 28, 28, 27, 18);
    expect(c.length).toBe(27 * 18);
    expect(c[0]).toBe(5);
    expect(c[18]).toBe(28 + 5);
    expect(c[27 * 18 - 1]).toBe((26 * 28 + 22) % 256);
    // an odd margin of 3 rounds 1.5 → 2
    expect(centerCrop(Uint8Array.from([0, 1, 2, 3, 4]), 1, 5, 1, 2, 1)).toEqual(Uint8Array.from([2, 3]));
  });
});
