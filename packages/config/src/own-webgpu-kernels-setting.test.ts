import { expect, test } from 'vitest';
import { loadSetting } from './env.js';

const read = (env: Record<string, string>) => loadSetting('DGM_OOD_OWN_WEBGPU_KERNELS', { env, envFile: false });

test('DGM_OOD_OWN_WEBGPU_KERNELS: on by default, on|off, else an error naming it', () => {
  expect(read({})).toBe('on');
  expect(read({ DGM_OOD_OWN_WEBGPU_KERNELS: 'off' })).toBe('off');
  expect(() => read({ DGM_OOD_OWN_WEBGPU_KERNELS: 'false' })).toThrow(/DGM_OOD_OWN_WEBGPU_KERNELS: .*"false"/);
});

test('DGM_OOD_WEBGPU_GEMM: auto by default, stock or a tiling, else an error naming it', () => {
  const gemm = (env: Record<string, string>) => loadSetting('DGM_OOD_WEBGPU_GEMM', { env, envFile: false });
  expect(gemm({})).toBe('auto');
  expect(gemm({ DGM_OOD_WEBGPU_GEMM: 'stock' })).toBe('stock');
  expect(gemm({ DGM_OOD_WEBGPU_GEMM: 'tall' })).toBe('tall');
  expect(() => gemm({ DGM_OOD_WEBGPU_GEMM: 'huge' })).toThrow(/DGM_OOD_WEBGPU_GEMM: .*"huge"/);
});
