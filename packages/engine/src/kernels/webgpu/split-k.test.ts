import { expect, it } from 'vitest';
import { chooseSplitKTiling, splitK, type GemmDeviceLimits } from './gemm-tiling.js';

it('splits k only when the output tiles are few and k is long, into slices that cover k exactly', () => {
  // The conv block's filter gradient (64 → 64, 3×3, batch 128 at 14×14) in 32 × 32 tiles: 36 tiles → 15 slices of ≥ 256.
  expect(splitK(36, 128 * 14 * 14, 16)).toEqual({ kPerSlice: 1680, slices: 15 });
});

it('leaves many tiles and short k whole', () => {
  expect(splitK(576, 128 * 32 * 32, 16).slices).toBe(1); // enough workgroups already
  expect(splitK(1, 511, 16).slices).toBe(1); // under two slices' worth of k
  expect(splitK(1, 512, 16)).toEqual({ kPerSlice: 256, slices: 2 });
});

it('slices are whole staged steps and cover k: the last one may be shorter, none empty', () => {
  for (const tk of [8, 16]) {
    for (const [tiles, k] of [[1, 900], [1, 780], [9, 2048], [1, 100_000], [1, 4097], [5, 25_088]] as const) {
      const { kPerSlice, slices } = splitK(tiles, k, tk);
      expect(kPerSlice % tk).toBe(0);
      expect((slices - 1) * kPerSlice).toBeLessThan(k);
      expect(slices * kPerSlice).toBeGreaterThanOrEqual(k);
      expect(tiles * slices).toBeLessThanOrEqual(512 + tiles);
    }
  }
});

it('the filter gradient’s tiling: the largest that pads at most a third, else the one that pads least', () => {
  const limits: GemmDeviceLimits = {
    maxComputeInvocationsPerWorkgroup: 1024,
    maxComputeWorkgroupSizeX: 1024,
    maxComputeWorkgroupSizeY: 1024,
    maxComputeWorkgroupStorageSize: 49152,
    maxComputeWorkgroupsPerDimension: 65535,
  };
  expect(chooseSplitKTiling(limits, 576, 64, 'auto')?.name).toBe('tall'); // 3×3×64 → 64: 640 of 576 rows
  expect(chooseSplitKTiling(limits, 1152, 128, 'auto')?.name).toBe('large');
  expect(chooseSplitKTiling(limits, 18, 3, 'auto')?.name).toBe('small'); // every tile pads; 32 × 64 least
  expect(chooseSplitKTiling(limits, 18, 3, 'stock')).toBeNull();
  expect(chooseSplitKTiling(limits, 576, 64, 'wide')?.name).toBe('wide');
});
