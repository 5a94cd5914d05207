import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfig, loadSetting, redactUrl } from './env.js';

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

describe('service settings', () => {
  test('defaults: port 8080 on 127.0.0.1, reconcile every 15 s (queued jobs after 30 s, lost running ones after 60 s), Jacobian chunks of 196; handlers and wasm threads unset', () => {
    const config = loadConfig({ env: {}, cwd: tempDir(), envFile: false });
    expect(config).toMatchObject({ port: 8080, host: '127.0.0.1', reconcileMs: 15_000, reconcileGraceMs: 30_000, reconcileLostAfterMs: 60_000, jacobianChunkRows: 196 });
    expect(config).not.toHaveProperty('handlerModules');
    expect(config).not.toHaveProperty('wasmThreads');
  });

  test('values are parsed: integers, and the handler list split on commas', () => {
    const env = {
      PORT: '9090', HOST: '0.0.0.0', DGM_OOD_RECONCILE_MS: '500', DGM_OOD_HANDLERS: ' ./a.ts, ./b.ts ,',
      DGM_OOD_JACOBIAN_CHUNK: '64', DGM_OOD_WASM_THREADS: '4', DGM_OOD_RECONCILE_GRACE_MS: '0', DGM_OOD_RECONCILE_LOST_AFTER_MS: '3000',
    };
    expect(loadConfig({ env, cwd: tempDir(), envFile: false })).toMatchObject({
      port: 9090, host: '0.0.0.0', reconcileMs: 500, handlerModules: ['./a.ts', './b.ts'], jacobianChunkRows: 64, wasmThreads: 4,
      reconcileGraceMs: 0, reconcileLostAfterMs: 3000,
    });
  });

  test.each([
    ['PORT', '80a', /PORT: must be an integer from 0 to 65535 \(got "80a"\)/],
    ['PORT', '70000', /PORT: must be an integer from 0 to 65535 \(got "70000"\)/],
    ['DGM_OOD_RECONCILE_MS', '1e3', /DGM_OOD_RECONCILE_MS: must be an integer from 100 to 86400000/],
    ['DGM_OOD_RECONCILE_GRACE_MS', '-1', /DGM_OOD_RECONCILE_GRACE_MS: must be an integer from 0 to 86400000 \(got "-1"\)/],
    ['DGM_OOD_RECONCILE_LOST_AFTER_MS', '500', /DGM_OOD_RECONCILE_LOST_AFTER_MS: must be an integer from 1000 to 86400000 \(got "500"\)/],
    ['DGM_OOD_HANDLERS', ' , ', /DGM_OOD_HANDLERS: must name at least one entry/],
    ['DGM_OOD_JACOBIAN_CHUNK', '0', /DGM_OOD_JACOBIAN_CHUNK: must be an integer from 1 to 1000000 \(got "0"\)/],
    ['DGM_OOD_WASM_THREADS', 'two', /DGM_OOD_WASM_THREADS: must be an integer from 1 to 64 \(got "two"\)/],
  ])('an invalid %s (%j) is one coded error naming the variable', (variable, value, message) => {
    const load = () => loadConfig({ env: { [variable]: value }, cwd: tempDir(), envFile: false });
    expect(load).toThrowError(message);
    expect(load).toThrowError(expect.objectContaining({ code: 'DGM_CONFIG_INVALID', variables: [variable] }));
  });
});

describe('loadSetting', () => {
  test('reads one variable by the same rule and default as loadConfig, ignoring the others', () => {
    const env = { DATABASE_URL: 'mysql://x@h/db', DGM_OOD_WASM_THREADS: '3' };
    expect(loadSetting('DGM_OOD_WASM_THREADS', { env, cwd: tempDir(), envFile: false })).toBe(3);
    expect(loadSetting('DGM_OOD_JACOBIAN_CHUNK', { env, cwd: tempDir(), envFile: false })).toBe(196);
    expect(() => loadSetting('DGM_OOD_WASM_THREADS', { env: { DGM_OOD_WASM_THREADS: '65' }, cwd: tempDir(), envFile: false })).toThrowError(
      /^invalid environment: DGM_OOD_WASM_THREADS: must be an integer from 1 to 64 \(got "65"\)$/,
    );
  });

  test('reads the .env file too, and returns directories absolute, against the workspace root', () => {
    const root = tempDir();
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
    writeFileSync(join(root, '.env'), 'DATA_DIR=datasets\nDGM_OOD_BACKEND=wasm\n');
    const sub = join(root, 'apps');
    mkdirSync(sub);
    expect(loadSetting('DATA_DIR', { env: {}, cwd: sub })).toBe(join(root, 'datasets'));
    expect(loadSetting('DGM_OOD_BACKEND', { env: {}, cwd: sub })).toBe('wasm');
  });
});
