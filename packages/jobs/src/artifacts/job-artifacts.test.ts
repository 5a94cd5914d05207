import { existsSync, mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { useTestDatabase } from '@dgm-ood/db/vitest';
import { startAttempt } from '../lifecycle.js';
import { createSweep } from '../sweeps.js';
import { listArtifacts, removeArtifact, restoreWorkdir, saveArtifact } from './job-artifacts.js';
import { DirectoryArtifactStore } from './directory-store.js';
import { PostgresArtifactStore } from './postgres-store.js';

const database = useTestDatabase();

async function runningJob() {
  const { jobs } = await createSweep(database.pool, {
    name: 'a', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{}', configHash: 'h' }],
  });
  const started = await startAttempt(database.pool, jobs[0]!.id, { workerId: 'w' });
  if (started.status !== 'started') throw new Error('not started');
  return { id: jobs[0]!.id, attempt: 1, workdirKey: started.workdirKey };
}

for (const kind of ['directory', 'postgres'] as const) {
  test(`${kind} store: a replaced checkpoint blob is forgotten, and a new machine restores only what exists`, async () => {
    const root = mkdtempSync(join(tmpdir(), 'dgm-root-'));
    const store = kind === 'postgres' ? new PostgresArtifactStore(database.pool) : new DirectoryArtifactStore(root);
    const job = await runningJob();
    const workdir = join(root, job.workdirKey);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(workdir, 'checkpoints'), { recursive: true });
    const write = (name: string, text: string) => writeFileSync(join(workdir, name), text);
    write('checkpoints/latest.aaa.bin', 'old weights');
    write('checkpoints/latest.json', '{"blob": "latest.aaa.bin"}');
    await saveArtifact(database.pool, store, { ...job, workdir }, 'checkpoints/latest.aaa.bin', 'checkpoint');
    await saveArtifact(database.pool, store, { ...job, workdir }, 'checkpoints/latest.json', 'checkpoint');
    // The next checkpoint: a new blob, the manifest rewritten, the old blob deleted.
    write('checkpoints/latest.bbb.bin', 'new weights');
    write('checkpoints/latest.json', '{"blob": "latest.bbb.bin"}');
    unlinkSync(join(workdir, 'checkpoints/latest.aaa.bin'));
    await saveArtifact(database.pool, store, { ...job, workdir }, 'checkpoints/latest.bbb.bin', 'checkpoint');
    await saveArtifact(database.pool, store, { ...job, workdir }, 'checkpoints/latest.json', 'checkpoint');
    await removeArtifact(database.pool, store, job, 'checkpoints/latest.aaa.bin');
    expect((await listArtifacts(database.pool, job.id)).map((a) => a.name)).toEqual(['checkpoints/latest.bbb.bin', 'checkpoints/latest.json']);

    const elsewhere = mkdtempSync(join(tmpdir(), 'dgm-other-'));
    if (kind === 'postgres') {
      expect((await restoreWorkdir(database.pool, store, job.id, elsewhere)).sort()).toEqual(['checkpoints/latest.bbb.bin', 'checkpoints/latest.json']);
      expect(readFileSync(join(elsewhere, 'checkpoints/latest.bbb.bin'), 'utf8')).toBe('new weights');
    } else {
      expect(await restoreWorkdir(database.pool, store, job.id, workdir)).toEqual([]); // everything already in place
    }
    expect(existsSync(join(elsewhere, 'checkpoints/latest.aaa.bin'))).toBe(false);
  });
}

test('a stale attempt cannot remove artifacts', async () => {
  const store = new PostgresArtifactStore(database.pool);
  const job = await runningJob();
  const workdir = mkdtempSync(join(tmpdir(), 'dgm-stale-'));
  writeFileSync(join(workdir, 'x.bin'), 'x');
  await saveArtifact(database.pool, store, { ...job, workdir }, 'x.bin');
  await startAttempt(database.pool, job.id, { workerId: 'other' }); // attempt 2 takes over
  await removeArtifact(database.pool, store, job, 'x.bin');
  expect((await listArtifacts(database.pool, job.id)).map((a) => a.name)).toEqual(['x.bin']);
});
