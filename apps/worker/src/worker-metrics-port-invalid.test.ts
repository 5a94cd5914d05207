import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

const runWorker = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });

test('an invalid metrics port (flag or WORKER_METRICS_PORT) stops the worker with one line, before it connects anywhere', () => {
  const flag = runWorker(['--metrics-port', '70000']);
  expect(flag.status).toBe(1);
  expect(flag.stderr).toBe('error [DGM_CONFIG_INVALID]: invalid environment: --metrics-port must be an integer from 0 to 65535 (got "70000")\n');
  const env = runWorker([], { WORKER_METRICS_PORT: 'x' });
  expect(env.status).toBe(1);
  expect(env.stderr).toBe('error [DGM_CONFIG_INVALID]: invalid environment: WORKER_METRICS_PORT: must be an integer from 0 to 65535 (got "x")\n');
});
