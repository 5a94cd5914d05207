import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFixtureWorker, type CoordinatorHarness } from './testing/harness.js';
import { existingLargeObjects, finishedSweepWithEverything, largeObjectsOf, rowsOf, storageHarness } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  h = await storageHarness({ artifactStore: 'postgres' });
  worker = await startFixtureWorker(h);
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
});

test("a deleted sweep leaves no row in any table that held its data and none of its large objects; another sweep's stay", async () => {
  const doomed = await finishedSweepWithEverything(h, 'doomed');
  const kept = await finishedSweepWithEverything(h, 'kept');
  const before = await rowsOf(h.pool, doomed.id, doomed.jobIds);
  // Every table that can hold a sweep's data holds some of this one's, so the zeros below mean something.
  for (const [table, count] of Object.entries(before)) expect(count, table).toBeGreaterThan(0);
  const doomedObjects = await largeObjectsOf(h.pool, doomed.jobIds);
  expect(doomedObjects).toHaveLength(2); // model.txt and samples/epoch-001.png
  expect(await existingLargeObjects(h.pool, doomedObjects)).toBe(2);
  const keptRows = await rowsOf(h.pool, kept.id, kept.jobIds);
  const keptObjects = await largeObjectsOf(h.pool, kept.jobIds);

  const response = await h.app.inject({ method: 'DELETE', url: `/sweeps/${doomed.id}` });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toMatchObject({
    deleted: true, sweeps: [{ id: doomed.id, name: 'doomed', kind: 'train' }], jobs: 2, results: 3, evaluations: 2,
    artifacts: { count: 2 }, largeObjects: 2, cancelled: 0, leftBehind: 0,
  });

  const after = await rowsOf(h.pool, doomed.id, doomed.jobIds);
  expect(Object.values(after).every((count) => count === 0), JSON.stringify(after)).toBe(true);
  expect(await existingLargeObjects(h.pool, doomedObjects)).toBe(0);
  // Shared-cache values outlive the job that computed them (they do not depend on it).
  expect((await h.pool.query(`SELECT job_id FROM shared_cache WHERE key = 'calibration-doomed'`)).rows).toEqual([{ job_id: null }]);

  expect(await rowsOf(h.pool, kept.id, kept.jobIds)).toEqual(keptRows);
  expect(await existingLargeObjects(h.pool, keptObjects)).toBe(keptObjects.length);
  expect((await h.app.inject({ url: `/sweeps/${doomed.id}` })).statusCode).toBe(404);
  expect((await h.app.inject({ url: `/sweeps/${kept.id}` })).statusCode).toBe(200);
});
