import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PostgresArtifactStore } from '@dgm-ood/jobs';
import type { CoordinatorHarness } from './testing/harness.js';
import { existingLargeObjects, storageHarness } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await storageHarness({ artifactStore: 'postgres' });
});
afterAll(async () => {
  await h?.close();
});

const gc = async (body: Record<string, unknown>) => (await h.app.inject({ method: 'POST', url: '/storage/gc', payload: body })).json();

test('orphans changed within the grace period stay (an upload before its row, a directory being written); after it they go', async () => {
  // An upload whose artifact row is not written yet looks exactly like this.
  const source = join(mkdtempSync(join(tmpdir(), 'dgm-upload-')), 'checkpoint.bin');
  writeFileSync(source, Buffer.alloc(4096, 7));
  const uploaded = await new PostgresArtifactStore(h.pool).put('checkpoints-x/job-0/checkpoint.bin', source);
  const oid = Number(uploaded.uri.slice('pg-lo://'.length));
  // A directory no job uses, written to just now (a worker still writing after its sweep was deleted)...
  const fresh = join(h.config.modelDir, `checkpoints-${randomUUID()}`, 'job-0');
  mkdirSync(fresh, { recursive: true });
  writeFileSync(join(fresh, 'checkpoint.bin'), 'x');
  // ...and an old one in which one file is new.
  const touched = join(h.config.modelDir, `checkpoints-${randomUUID()}`, 'job-1');
  mkdirSync(join(touched, 'samples'), { recursive: true });
  writeFileSync(join(touched, 'samples', 'epoch-009.png'), 'x');
  const then = new Date(Date.now() - 2 * 3600_000);
  utimesSync(join(touched, 'samples'), then, then);
  utimesSync(touched, then, then);

  const spared = await gc({ graceMinutes: 60 });
  expect(spared).toMatchObject({ largeObjects: { count: 0 }, workdirs: { count: 0 }, recent: { largeObjects: 1, workdirs: 2 }, removed: { largeObjects: 0, workdirs: 0 } });
  expect(await existingLargeObjects(h.pool, [oid])).toBe(1);
  expect(existsSync(join(fresh, 'checkpoint.bin')) && existsSync(join(touched, 'samples', 'epoch-009.png'))).toBe(true);

  const collected = await gc({ graceMinutes: 0 });
  expect(collected).toMatchObject({ largeObjects: { count: 1, bytes: 4096 }, workdirs: { count: 2 }, removed: { largeObjects: 1, workdirs: 2 } });
  expect(await existingLargeObjects(h.pool, [oid])).toBe(0);
  expect(existsSync(fresh) || existsSync(touched)).toBe(false);
});
