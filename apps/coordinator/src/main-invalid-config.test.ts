import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

function runCoordinator(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', MAIN], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
}

test('an invalid PORT stops the coordinator with one line naming the variable', () => {
  const run = runCoordinator({ PORT: '80a' });
  expect(run.status).toBe(1);
  expect(run.stderr).toBe('error [DGM_CONFIG_INVALID]: invalid environment: PORT: must be an integer from 0 to 65535 (got "80a")\n');
});

test('an invalid DGM_OOD_RECONCILE_MS stops it the same way', () => {
  const run = runCoordinator({ DGM_OOD_RECONCILE_MS: 'often' });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/^error \[DGM_CONFIG_INVALID\]: invalid environment: DGM_OOD_RECONCILE_MS: must be an integer from 100 to 86400000 \(got "often"\)\n$/);
});
