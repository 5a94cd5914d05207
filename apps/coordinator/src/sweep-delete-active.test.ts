import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';
import { jobIdsOf, rowsOf, storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  h = await storageHarness();
  worker = await startFixtureWorker(h); // one job at a time: `hang` runs until stopped, the other waits in the queue
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
});

test('a sweep with unfinished jobs is refused (409, with the counts) unless cancel=true, which cancels them first', async () => {
  const id = await submit(h, trainSweep('busy', ['hang', 'noop']));
  await waitForSweep(h, id, (s) => s.counts.running === 1);
  const jobIds = await jobIdsOf(h.pool, id);
  const before = await rowsOf(h.pool, id, jobIds);

  const refused = await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}` });
  expect(refused.statusCode).toBe(409);
  expect(refused.json()).toEqual({
    code: 'DGM_SWEEP_ACTIVE',
    message: `sweep busy (${id}) has 2 unfinished jobs (1 queued, 1 running): cancel it first, or delete it with ?cancel=true (dgm-ood sweep delete --cancel)`,
  });
  expect(await rowsOf(h.pool, id, jobIds)).toEqual(before);

  // A dry run with cancel=true says what would be cancelled and deleted, and changes nothing.
  const preview = await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true&dryRun=true` });
  expect(preview.json()).toMatchObject({ deleted: false, cancelled: 2, jobs: 2 });
  expect((await h.app.inject({ url: `/sweeps/${id}` })).json().counts).toMatchObject({ running: 1, queued: 1 });

  const deleted = await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true` });
  expect(deleted.statusCode).toBe(200);
  expect(deleted.json()).toMatchObject({ deleted: true, cancelled: 2, jobs: 2 });
  expect(Object.values(await rowsOf(h.pool, id, jobIds)).every((n) => n === 0)).toBe(true);
  // The queued job left the queue with its sweep.
  expect(await h.queues.train.getJob(jobIds[1]!)).toBeUndefined();
});

test('a cancelled sweep is deleted without cancel=true', async () => {
  const id = await submit(h, trainSweep('stopped', ['hang']));
  await waitForSweep(h, id, (s) => s.counts.running === 1);
  expect((await h.app.inject({ method: 'POST', url: `/sweeps/${id}/cancel` })).statusCode).toBe(200);
  const deleted = await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}` });
  expect(deleted.statusCode).toBe(200);
  expect(deleted.json()).toMatchObject({ deleted: true, cancelled: 0, jobs: 1 });
});
