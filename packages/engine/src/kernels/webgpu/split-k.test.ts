import { expect, it } from 'vitest';
import { splitK } from './conv2d-backprop-filter-tiled.js';

it('splits k only when the dW tiles are few and k is long, into slices that cover k exactly', () => {
  // The conv block (64 → 64, 3×3, batch 128 at 14×14): 36 tiles → 15 slices of ≥ 256.
  expect(splitK(576, 64, 128 * 14 * 14)).toEqual({ kPerSlice: 1680, slices: 15 });
});

it('leaves large filters and short k whole', () => {
  expect(splitK(2304, 256, 128 * 32 * 32).slices).toBe(1); // 576 tiles: enough workgroups already
  expect(splitK(18, 3, 511).slices).toBe(1); // under two slices' worth of k
  expect(splitK(18, 3, 512)).toEqual({ kPerSlice: 256, slices: 2 });
});

it('slices are whole staged steps (16) and cover k: the last one may be shorter, none empty', () => {
  for (const [m, n, k] of [[18, 3, 900], [18, 3, 780], [288, 32, 2048], [27, 8, 100_000], [9, 1, 4097]] as const) {
    const { kPerSlice, slices } = splitK(m, n, k);
    expect(kPerSlice % 16).toBe(0);
    expect((slices - 1) * kPerSlice).toBeLessThan(k);
    expect(slices * kPerSlice).toBeGreaterThanOrEqual(k);
    expect(Math.ceil(m / 32) * Math.ceil(n / 32) * slices).toBeLessThanOrEqual(512 + Math.ceil(m / 32) * Math.ceil(n / 32));
  }
});
