import { describe, expect, it } from 'vitest';
import { batchCount, iterateBatches, loaderDefaults } from './batches.js';
import { scaleToUnitRange } from './transforms.js';
import type { ImageArray } from './types.js';

const data: ImageArray = {
  images: Uint8Array.from({ length: 10 * 2 }, (_, i) => Math.floor(i / 2) * 10), // image i: [10i, 10i]
  shape: [10, 1, 1, 2],
  labels: Int32Array.from({ length: 10 }, (_, i) => 100 + i),
};

describe('iterateBatches', () => {
  it('yields float32 NCHW batches in order, the last one partial unless dropLast', () => {
    const batches = [...iterateBatches(data, { batchSize: 4 })];
    expect(batches.map((b) => b.shape)).toEqual([[4, 1, 1, 2], [4, 1, 1, 2], [2, 1, 1, 2]]);
    expect(batches[0]!.images).toBeInstanceOf(Float32Array);
    expect([...batches[2]!.images]).toEqual([80, 80, 90, 90]);
    expect([...batches[2]!.labels!]).toEqual([108, 109]);
    expect([...batches[2]!.indices]).toEqual([8, 9]);
    expect([...iterateBatches(data, { batchSize: 4, dropLast: true })]).toHaveLength(2);
  });

  it('shuffles with a seed: same (seed, epoch) same order, another epoch another order, labels follow images', () => {
    const order = (epoch: number, seed = 1) => [...iterateBatches(data, { batchSize: 3, shuffle: true, seed, epoch })].flatMap((b) => [...b.indices]);
    expect(order(0)).toEqual(order(0));
    expect(order(1)).not.toEqual(order(0));
    expect(order(0, 2)).not.toEqual(order(0, 1));
    expect([...order(0)].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    for (const b of iterateBatches(data, { batchSize: 3, shuffle: true, seed: 1 })) {
      b.indices.forEach((src, k) => {
        expect(b.images[k * 2]).toBe(src * 10);
        expect(b.labels![k]).toBe(100 + src);
      });
    }
  });

  it('applies a transform per batch', () => {
    const [first] = [...iterateBatches(data, { batchSize: 2, transform: scaleToUnitRange() })];
    expect([...first!.images]).toEqual([0, 0, 10 / 255, 10 / 255].map((v) => Math.fround(v)));
  });

  it('rejects a bad batch size', () => {
    expect(() => [...iterateBatches(data, { batchSize: 0 })]).toThrow(/batchSize/);
  });
});

describe('batchCount and loaderDefaults', () => {
  it('count batches like torch DataLoader', () => {
    expect(batchCount(10, 4)).toBe(3);
    expect(batchCount(10, 4, true)).toBe(2);
    expect(batchCount(0, 4)).toBe(0);
  });

  it('mirror upstream: drop_last for train only, shuffle only when training', () => {
    expect(loaderDefaults('train', 'training')).toEqual({ shuffle: true, dropLast: true });
    expect(loaderDefaults('test', 'training')).toEqual({ shuffle: true, dropLast: false });
    expect(loaderDefaults('train', 'ood')).toEqual({ shuffle: false, dropLast: true });
  });
});
