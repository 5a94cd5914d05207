import { describe, expect, it } from 'vitest';
import { DATASET_NAMES } from './dataset-definition.js';
import { gather, getDataset, listDatasets, loadDataset } from './registry.js';

describe('dataset registry', () => {
  it('knows the thirteen reference names, each with its channels, size, resize kind and locations', () => {
    const infos = listDatasets();
    expect(infos.map((d) => d.name)).toEqual([...DATASET_NAMES]);
    expect(DATASET_NAMES).toHaveLength(13);
    const byName = Object.fromEntries(infos.map((d) => [d.name, d]));
    expect(byName['mnist']).toMatchObject({ channels: 1, defaultSize: [28, 28], resize: 'tensor' });
    expect(byName['omniglot']).toMatchObject({ channels: 1, defaultSize: [28, 28], resize: 'image' });
    expect(byName['cifar10']).toMatchObject({ channels: 3, defaultSize: [32, 32], resize: 'tensor' });
    expect(byName['celeba']).toMatchObject({ channels: 3, defaultSize: [32, 32], resize: 'image' });
    expect(byName['medmnist']).toMatchObject({ channels: 1, defaultSize: [28, 28], resize: 'tensor' });
    for (const d of infos) expect(d.locations.length).toBeGreaterThan(0);
  });

  it('rejects an unknown name with a coded error listing the known ones', async () => {
    expect(() => getDataset('chestmnist')).toThrow(/unknown dataset "chestmnist" \(known: mnist, fashion-mnist/);
    await expect(loadDataset('imagenet', 'train')).rejects.toMatchObject({ code: 'DGM_DATA_UNKNOWN_DATASET', dataset: 'imagenet' });
  });

  it('rejects invalid options before touching the disk', async () => {
    const bad: [Parameters<typeof loadDataset>[2], RegExp][] = [
      [{ validFraction: 1 }, /validFraction/],
      [{ validFraction: Number.NaN }, /validFraction/],
      [{ size: [32] as unknown as [number, number] }, /size must be \[height, width\]/],
      [{ size: [0, 32] }, /size must be/],
      [{ splitSeed: 0.5 }, /splitSeed/],
    ];
    for (const [options, message] of bad) {
      await expect(loadDataset('mnist', 'train', options)).rejects.toMatchObject({ code: 'DGM_DATA_INVALID_OPTION', message: expect.stringMatching(message) });
    }
    await expect(loadDataset('mnist', 'training' as 'train')).rejects.toThrow(/role must be one of train, valid, test/);
  });

  it('gathers images and labels at the given indices', () => {
    const pool = { images: Uint8Array.from([0, 0, 1, 1, 2, 2]), shape: [3, 1, 1, 2] as [number, number, number, number], labels: Int32Array.from([10, 11, 12]) };
    const g = gather(pool, Int32Array.from([2, 0]));
    expect(g).toEqual({ images: Uint8Array.from([2, 2, 0, 0]), shape: [2, 1, 1, 2], labels: Int32Array.from([12, 10]) });
  });
});
