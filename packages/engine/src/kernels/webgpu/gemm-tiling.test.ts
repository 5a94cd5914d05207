import { describe, expect, it } from 'vitest';
import { loadSetting } from '@dgm-ood/config/env';
import { chooseGemmTiling, FORCEABLE_GEMM_TILINGS, GEMM_TILINGS, stagedBytes, WEBGPU_GEMM_FLAG, type GemmDeviceLimits } from './gemm-tiling.js';

// Limits as Dawn reports them: a discrete NVIDIA card through Vulkan, and the compatibility feature level.
const HARDWARE: GemmDeviceLimits = {
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupSizeY: 1024,
  maxComputeWorkgroupStorageSize: 49152,
  maxComputeWorkgroupsPerDimension: 65535,
};
const COMPAT: GemmDeviceLimits = {
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupSizeX: 128,
  maxComputeWorkgroupSizeY: 128,
  maxComputeWorkgroupStorageSize: 16384,
  maxComputeWorkgroupsPerDimension: 65535,
};
const name = (l: GemmDeviceLimits, batch: number, m: number, n: number, mode = 'auto') => chooseGemmTiling(l, { batch, m, n }, mode)?.name ?? 'stock';

describe('chooseGemmTiling (auto)', () => {
  it('matmul 4096³: the 128 × 128 tile where 256 invocations are allowed, 64 × 128 at the compatibility limits', () => {
    expect(name(HARDWARE, 1, 4096, 4096)).toBe('large');
    expect(name(COMPAT, 1, 4096, 4096)).toBe('wide');
  });

  it('a conv with 64 output channels (the conv block at batch 128, 14 × 14): 128 × 64 tiles, not half-empty 128-wide ones', () => {
    expect(name(HARDWARE, 1, 128 * 14 * 14, 64)).toBe('tall');
  });

  it('a product too small to fill a card takes the smallest tile, and tfjs’s program below 32 of those', () => {
    expect(name(HARDWARE, 1, 512, 512)).toBe('small'); // 16 × 8 = 128 small tiles, 16 large ones
    expect(name(HARDWARE, 1, 37, 70)).toBe('stock');
    expect(name(HARDWARE, 16, 64, 64)).toBe('small'); // a batch counts: 16 × 2 workgroups
  });

  it('more row tiles than a dispatch dimension holds: tfjs’s program', () => {
    expect(name({ ...HARDWARE, maxComputeWorkgroupsPerDimension: 100 }, 1, 32 * 101, 64)).toBe('stock');
  });
});

describe('the flag', () => {
  it('stock is tfjs’s program; a tiling’s name forces it where the device allows it', () => {
    expect(name(HARDWARE, 1, 4096, 4096, 'stock')).toBe('stock');
    expect(name(HARDWARE, 1, 3, 5, 'small')).toBe('small');
    expect(name(COMPAT, 1, 4096, 4096, 'large')).toBe('stock');
  });

  it('a prefetching variant is forced by its name (the same tile, loads a step ahead); auto never picks one', () => {
    expect(chooseGemmTiling(HARDWARE, { batch: 1, m: 4096, n: 4096 }, 'large-prefetch')).toEqual({ ...GEMM_TILINGS[0], name: 'large-prefetch', prefetch: true });
    expect(name(COMPAT, 1, 4096, 4096, 'large-prefetch')).toBe('stock');
    for (const [m, n] of [[4096, 4096], [128 * 196, 64], [512, 512]] as const) expect(chooseGemmTiling(HARDWARE, { batch: 1, m, n }, 'auto')?.prefetch).toBeUndefined();
  });

  it('an unknown value is an error naming the flag and the values it takes', () => {
    expect(() => name(HARDWARE, 1, 8, 8, 'huge')).toThrow(`${WEBGPU_GEMM_FLAG}: unknown value 'huge' (expected auto, stock, large, wide, tall, small, large-prefetch, wide-prefetch, tall-prefetch, small-prefetch)`);
  });
});

it('every tiling stages within the compatibility level’s 16 KiB of workgroup memory', () => {
  for (const t of FORCEABLE_GEMM_TILINGS) expect(stagedBytes(t), t.name).toBeLessThanOrEqual(16384);
});

it('DGM_OOD_WEBGPU_GEMM (the worker setting) accepts every tiling by name', () => {
  for (const t of FORCEABLE_GEMM_TILINGS) expect(loadSetting('DGM_OOD_WEBGPU_GEMM', { env: { DGM_OOD_WEBGPU_GEMM: t.name }, envFile: false })).toBe(t.name);
});
