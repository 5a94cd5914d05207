import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { clientApiToken } from './api-tokens.js';
import { loadConfig } from './env.js';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false });
const SECRET = '0123456789abcdef0123';

test('DGM_OOD_API_TOKEN: comma-separated, each secret or name:secret; unnamed ones are token-1, token-2, …', () => {
  expect(load({}).apiTokens).toEqual([]);
  expect(load({ DGM_OOD_API_TOKEN: `${SECRET}, alice:a-${SECRET} ,b${SECRET}` }).apiTokens).toEqual([
    { name: 'token-1', secret: SECRET },
    { name: 'alice', secret: `a-${SECRET}` },
    { name: 'token-2', secret: `b${SECRET}` },
  ]);
});

test('DGM_OOD_API_TOKEN_FILE: one name:secret per line, # comments; adds to DGM_OOD_API_TOKEN', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dgm-ood-tokens-'));
  const file = join(dir, 'tokens');
  writeFileSync(file, `# team tokens\nalice:${SECRET}\n\n  ci:c${SECRET}  \n`);
  expect(load({ DGM_OOD_API_TOKEN_FILE: file, DGM_OOD_API_TOKEN: `ops:o${SECRET}` }).apiTokens.map((t) => t.name)).toEqual(['ops', 'alice', 'ci']);
  expect(() => load({ DGM_OOD_API_TOKEN_FILE: join(dir, 'missing') })).toThrow(/DGM_OOD_API_TOKEN_FILE: cannot read .*missing: ENOENT/);
});

test('a short token or a repeated name is refused naming the variable, never echoing the secret', () => {
  const short = 'alice:tooshort123';
  expect(() => load({ DGM_OOD_API_TOKEN: short })).toThrow('DGM_OOD_API_TOKEN: entry 1 is shorter than 16 characters');
  try {
    load({ DGM_OOD_API_TOKEN: short });
  } catch (error) {
    expect((error as Error).message).not.toContain('tooshort123');
    expect((error as { code?: string }).code).toBe('DGM_CONFIG_INVALID');
  }
  expect(() => load({ DGM_OOD_API_TOKEN: `a:${SECRET},a:x${SECRET}` })).toThrow('DGM_OOD_API_TOKEN: entry 2 repeats the token name a');
  expect(() => load({ DGM_OOD_METRICS_TOKEN: 'short' })).toThrow(/^invalid environment: DGM_OOD_METRICS_TOKEN: the token is shorter than 16 characters/);
});

test('allowed hosts: loopback names and HOST by default, DGM_OOD_ALLOWED_HOSTS instead when set', () => {
  expect(load({}).allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
  expect(load({ HOST: 'dgm.internal' }).allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]', 'dgm.internal']);
  expect(load({ DGM_OOD_ALLOWED_HOSTS: 'Dgm.Example.com, localhost' }).allowedHosts).toEqual(['dgm.example.com', 'localhost']);
});

test('a client sends the secret of the first entry of DGM_OOD_API_TOKEN', () => {
  expect(clientApiToken(undefined)).toBeUndefined();
  expect(clientApiToken('s3cret')).toBe('s3cret');
  expect(clientApiToken(`alice:${SECRET},ci:x${SECRET}`)).toBe(SECRET);
});
