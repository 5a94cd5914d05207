import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSweep } from '@dgm-ood/jobs';
import { enqueueJobs } from '@dgm-ood/queue';
import { startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';
import { existingLargeObjects, jobIdsOf, largeObjectsOf, storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  h = await storageHarness({ artifactStore: 'postgres' });
  worker = await startFixtureWorker(h, { queues: ['train'] }); // the orphaned entry below waits in the ood queue
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
});

/** Files under MODEL_DIR, last changed two hours ago (past any grace period used here). */
function oldFiles(dir: string, files: Record<string, number>): void {
  mkdirSync(dir, { recursive: true });
  const then = new Date(Date.now() - 2 * 3600_000);
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(join(dir, name), Buffer.alloc(bytes, 1));
    utimesSync(join(dir, name), then, then);
  }
  utimesSync(dir, then, then);
}

const gc = async (body: Record<string, unknown>) => {
  const response = await h.app.inject({ method: 'POST', url: '/storage/gc', payload: body });
  expect(response.statusCode).toBe(200);
  return response.json();
};

test('the garbage collection lists orphans with their bytes (dry run), then removes them and nothing a job uses', async () => {
  const modelDir = h.config.modelDir;
  // Live: a finished job's large object and directory, and a job not started yet whose directory is old.
  const finished = await submit(h, trainSweep('finished', ['succeed']));
  await waitForSweep(h, finished, (s) => s.status === 'succeeded');
  const liveObjects = await largeObjectsOf(h.pool, await jobIdsOf(h.pool, finished));
  expect(liveObjects).toHaveLength(1);
  const { sweepId: waiting } = await createSweep(h.pool, {
    name: 'not-started', kind: 'train', sourceText: '{}', sourceFormat: 'json', options: {}, maxAttempts: 1,
    jobs: [{ gridIndex: 0, name: 'resumes-later', point: {}, configJson: '{}', configHash: 'h' }],
  });
  oldFiles(join(modelDir, `checkpoints-${waiting}`, 'job-0'), { 'checkpoint.json': 10 });
  // A user's base model in MODEL_DIR, and a directory not of our shape: never ours.
  oldFiles(join(modelDir, 'fmnist'), { 'best.json': 5 });
  oldFiles(join(modelDir, 'checkpoints-old-layout', 'job-0'), { 'weights.bin': 5 });
  // Orphans: a large object no artifact names, a directory of a sweep that is gone, a queue entry of a job that is gone.
  const { rows: [orphan] } = await h.pool.query(`SELECT lo_from_bytea(0, decode(repeat('ab', 1000), 'hex')) AS oid`);
  const gone = randomUUID();
  oldFiles(join(modelDir, `checkpoints-${gone}`, 'job-3'), { 'checkpoint.bin': 2048, 'run_config.json': 100 });
  await enqueueJobs(h.queues, [{ jobId: randomUUID(), sweepId: gone, kind: 'ood' }]);

  const listed = await gc({ dryRun: true, graceMinutes: 60 });
  expect(listed).toMatchObject({
    dryRun: true,
    largeObjects: { count: 1, bytes: 1000, items: [{ oid: Number(orphan.oid), bytes: 1000 }] },
    workdirs: { count: 1, bytes: 2148, items: [{ key: `checkpoints-${gone}/job-3`, bytes: 2148 }] },
    queueEntries: { count: 1 },
    removed: { largeObjects: 0, workdirs: 0, queueEntries: 0 },
  });
  expect(await existingLargeObjects(h.pool, [Number(orphan.oid)])).toBe(1);
  expect(existsSync(join(modelDir, `checkpoints-${gone}`, 'job-3'))).toBe(true);

  const removed = await gc({ graceMinutes: 60 });
  expect(removed.removed).toEqual({ largeObjects: 1, workdirs: 1, queueEntries: 1 });
  expect(await existingLargeObjects(h.pool, [Number(orphan.oid)])).toBe(0);
  expect(existsSync(join(modelDir, `checkpoints-${gone}`))).toBe(false);
  expect(await h.queues.ood.count()).toBe(0);

  expect(await existingLargeObjects(h.pool, liveObjects)).toBe(1);
  expect(existsSync(join(modelDir, `checkpoints-${finished}`, 'job-0', 'model.txt'))).toBe(true);
  expect(existsSync(join(modelDir, `checkpoints-${waiting}`, 'job-0', 'checkpoint.json'))).toBe(true);
  expect(existsSync(join(modelDir, 'fmnist', 'best.json'))).toBe(true);
  expect(existsSync(join(modelDir, 'checkpoints-old-layout', 'job-0', 'weights.bin'))).toBe(true);
  // Nothing left to collect.
  expect(await gc({ dryRun: true, graceMinutes: 0 })).toMatchObject({ largeObjects: { count: 0 }, workdirs: { count: 0 }, queueEntries: { count: 0 } });
});
