import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { findWorkspaceRoot } from '@dgm-ood/config';
import { loadDataset } from './registry.js';

const saved = { dataDir: process.env.DATA_DIR, cwd: process.cwd() };
afterEach(() => {
  if (saved.dataDir === undefined) delete process.env.DATA_DIR;
  else process.env.DATA_DIR = saved.dataDir;
  process.chdir(saved.cwd);
});

test('DATA_DIR comes from the config module: a relative one resolves against the workspace root, not the cwd', async () => {
  process.env.DATA_DIR = 'no-such-data-dir';
  const root = findWorkspaceRoot()!;
  process.chdir(join(root, 'packages', 'data'));
  const error = await loadDataset('svhn', 'test', { cacheDir: false }).catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'DGM_DATA_NOT_FOUND', deterministic: true });
  expect((error as { searched: string[] }).searched[0]).toBe(join(root, 'no-such-data-dir', 'svhn'));
});

test('the dataDir option wins over DATA_DIR', async () => {
  process.env.DATA_DIR = 'no-such-data-dir';
  const error = await loadDataset('svhn', 'test', { dataDir: '/nonexistent/option-dir', cacheDir: false }).catch((e: unknown) => e);
  expect((error as { searched: string[] }).searched[0]).toMatch(/^\/nonexistent\/option-dir\b/);
});
