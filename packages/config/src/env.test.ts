import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig, redactUrl } from './env.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'dgm-config-'));
}

describe('loadConfig', () => {
  test('defaults apply when nothing is set', () => {
    const cwd = tempDir();
    const config = loadConfig({ env: {}, cwd, envFile: false });
    expect(config.databaseUrl).toBe('postgresql://root@127.0.0.1:5432/root');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.dataDir).toBe(join(cwd, 'data'));
    expect(config.modelDir).toBe(join(cwd, 'runs'));
    expect(config.backend).toBe('auto');
  });

  test('reads .env, and the process environment wins over it', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'DATA_DIR=/datasets\nMODEL_DIR=models\nDGM_OOD_BACKEND=cpu\n');
    const config = loadConfig({ env: { DGM_OOD_BACKEND: 'wasm' }, cwd });
    expect(config.dataDir).toBe('/datasets');
    expect(config.modelDir).toBe(join(cwd, 'models'));
    expect(config.backend).toBe('wasm');
    expect(config.envFile).toBe(join(cwd, '.env'));
  });

  test('relative directories resolve against the workspace root, not the cwd', () => {
    const root = tempDir();
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
    const sub = join(root, 'apps');
    mkdirSync(sub);
    expect(loadConfig({ env: {}, cwd: sub, envFile: false }).dataDir).toBe(join(root, 'data'));
  });

  test('an invalid variable gives one error naming it and its value', () => {
    expect(() =>
      loadConfig({ env: { DATABASE_URL: 'mysql://x@host/db' }, cwd: tempDir(), envFile: false }),
    ).toThrowError(/DATABASE_URL: DATABASE_URL must be a postgresql:\/\/ or postgres:\/\/ URL \(got "mysql:\/\/x@host\/db"\)/);
  });

  test('every invalid variable is named, with its code', () => {
    try {
      loadConfig({ env: { REDIS_URL: 'nope', DGM_OOD_BACKEND: 'cuda' }, cwd: tempDir(), envFile: false });
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe('DGM_CONFIG_INVALID');
      expect((error as Error).message).toMatch(/REDIS_URL/);
      expect((error as Error).message).toMatch(/DGM_OOD_BACKEND/);
    }
  });

  test('passwords are redacted from messages', () => {
    expect(redactUrl('postgresql://u:secret@h/db')).toBe('postgresql://u:***@h/db');
  });
});
