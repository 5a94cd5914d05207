import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser, chaos and software WebGPU suites run on their own (vitest.browser.config.ts, vitest.chaos.config.ts,
    // vitest.webgpu.config.ts).
    exclude: ['**/node_modules/**', '**/*.browser.test.ts', '**/*.chaos.test.ts', '**/*.webgpu.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
