import { defineConfig } from 'vitest/config';

// The chaos suite (scripts/test.sh runs it on its own, with its own time budget): coordinator and worker processes
// against PostgreSQL and Redis servers each test starts itself, faults injected, exact outcomes checked. One file at
// a time: each runs several processes, and faults are timed by what the system is doing.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
