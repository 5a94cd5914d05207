import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { loadConfig } from './env.js';

const load = (env: Record<string, string>) => loadConfig({ env, cwd: mkdtempSync(join(tmpdir(), 'dgm-config-')), envFile: false });

test('DGM_OOD_RETENTION_DAYS: off unless set; a whole number of days from 1, else an error naming it', () => {
  expect(load({}).retentionDays).toBeUndefined();
  expect(load({ DGM_OOD_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
  for (const bad of ['0', '-1', '1.5', 'thirty', '36501']) {
    expect(() => load({ DGM_OOD_RETENTION_DAYS: bad })).toThrow(`DGM_OOD_RETENTION_DAYS: must be an integer from 1 to 36500 (got "${bad}")`);
  }
});
