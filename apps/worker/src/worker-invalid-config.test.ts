import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

test('an invalid DGM_OOD_HANDLERS stops the worker with one line naming the variable, before it connects anywhere', () => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, DGM_OOD_HANDLERS: ' , ', DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toBe('error [DGM_CONFIG_INVALID]: invalid environment: DGM_OOD_HANDLERS: must name at least one entry (comma-separated) (got " , ")\n');
});
