import { defineConfig } from 'vitest/config';

// The browser suite (Debian Chromium via playwright-core), run on its own with its own time budget (scripts/test.sh).
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.browser.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
