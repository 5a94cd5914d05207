import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { assertSafeToListen, isLoopbackHost } from './listen-policy.js';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

test('loopback hosts are told apart from every-interface and public ones', () => {
  for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3', '0:0:0:0:0:0:0:1']) expect(isLoopbackHost(host), host).toBe(true);
  for (const host of ['0.0.0.0', '::', '192.168.1.5', 'example.com', '[::]']) expect(isLoopbackHost(host), host).toBe(false);
  expect(() => assertSafeToListen({ host: '0.0.0.0', apiTokens: [{ name: 'a', secret: 'x'.repeat(16) }] })).not.toThrow();
  expect(() => assertSafeToListen({ host: '127.0.0.1', apiTokens: [] })).not.toThrow();
});

test('without a token the coordinator refuses a non-loopback HOST with one line saying how to set one', () => {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '0.0.0.0', PORT: '0' };
  delete env.DGM_OOD_API_TOKEN;
  delete env.DGM_OOD_API_TOKEN_FILE;
  const run = spawnSync(process.execPath, ['--import', 'tsx', MAIN], { env, encoding: 'utf8', timeout: 60_000 });
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(/^error \[DGM_AUTH_REQUIRED\]: HOST=0\.0\.0\.0 is not a loopback address and no API token is set: set DGM_OOD_API_TOKEN .* or DGM_OOD_API_TOKEN_FILE .*\n$/);
});
