import { existsSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { startAttempt } from '../lifecycle.js';
import { createSweep } from '../sweeps.js';
import { listArtifacts, removeArtifact, restoreWorkdir, saveArtifact } from './job-artifacts.js';
import { DirectoryArtifactStore } from './directory-store.js';
import { PostgresArtifactStore } from './postgres-store.js';

let db: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function runningJob() {
  const { jobs } = await createSweep(pool, {
    name: 'a', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{}', configHash: 'h' }],
  });
  const started = await startAttempt(pool, jobs[0]!.id, { workerId: 'w' });
  if (started.status !== 'started') throw new Error('not started');
  return { id: jobs[0]!.id, attempt: 1, workdirKey: started.workdirKey };
}

for (const kind of ['directory', 'postgres'] as const) {
  test(`${kind} store: a replaced checkpoint blob is forgotten, and a new machine restores only what exists`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'dgm-root-'));
    const store = kind === 'postgres' ? new PostgresArtifactStore(pool) : new DirectoryArtifactStore(root);
    const job = await runningJob();
    const workdir = join(root, job.workdirKey);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(workdir, 'checkpoints'), { recursive: true });
    const write = (name: string, text: string) => writeFileSync(join(workdir, name), text);
    write('checkpoints/latest.aaa.bin', 'old weights');
    write('checkpoints/latest.json', '{"blob": "latest.aaa.bin"}');
    await saveArtifact(pool, store, { ...job, workdir }, 'checkpoints/latest.aaa.bin', 'checkpoint');
    await saveArtifact(pool, store, { ...job, workdir }, 'checkpoints/latest.json', 'checkpoint');
    // The next checkpoint: a new blob, the manifest rewritten, the old blob deleted.
    write('checkpoints/latest.bbb.bin', 'new weights');
    write('checkpoints/latest.json', '{"blob": "latest.bbb.bin"}');
    unlinkSync(join(workdir, 'checkpoints/latest.aaa.bin'));
    await saveArtifact(pool, store, { ...job, workdir }, 'checkpoints/latest.bbb.bin', 'checkpoint');
    await saveArtifact(pool, store, { ...job, workdir }, 'checkpoints/latest.json', 'checkpoint');
    await removeArtifact(pool, store, job, 'checkpoints/latest.aaa.bin');
    expect((await listArtifacts(pool, job.id)).map((a) => a.name)).toEqual(['checkpoints/latest.bbb.bin', 'checkpoints/latest.json']);

    const elsewhere = mkdtempSync(join(tmpdir(), 'dgm-other-'));
    if (kind === 'postgres') {
      expect((await restoreWorkdir(pool, store, job.id, elsewhere)).sort()).toEqual(['checkpoints/latest.bbb.bin', 'checkpoints/latest.json']);
      expect(readFileSync(join(elsewhere, 'checkpoints/latest.bbb.bin'), 'utf8')).toBe('new weights');
    } else {
      expect(await restoreWorkdir(pool, store, job.id, workdir)).toEqual([]); // everything already in place
    }
    expect(existsSync(join(elsewhere, 'checkpoints/latest.aaa.bin'))).toBe(false);
  });
}

test('a stale attempt cannot remove artifacts', async () => {
  const store = new PostgresArtifactStore(pool);
  const job = await runningJob();
  const workdir = mkdtempSync(join(tmpdir(), 'dgm-stale-'));
  writeFileSync(join(workdir, 'x.bin'), 'x');
  await saveArtifact(pool, store, { ...job, workdir }, 'x.bin');
  await startAttempt(pool, job.id, { workerId: 'other' }); // attempt 2 takes over
  await removeArtifact(pool, store, job, 'x.bin');
  expect((await listArtifacts(pool, job.id)).map((a) => a.name)).toEqual(['x.bin']);
});
