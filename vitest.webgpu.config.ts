import { defineConfig } from 'vitest/config';

// The software WebGPU suite (scripts/test.sh runs it on its own, with its own time budget): the gradient-check suite
// and kernel tests on tfjs-backend-webgpu over Dawn's OpenGL ES backend on Mesa's llvmpipe, a CPU WebGPU adapter.
// One file at a time: each opens its own Dawn device, and the adapter is a CPU renderer sharing the machine's cores.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.webgpu.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
