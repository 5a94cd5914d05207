import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  stopWorker = (await startFixtureWorker(h, { isolation: 'process' })).close;
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

test('cancel stops the running job on its worker and drops the queued ones', async () => {
  const meta = 'project: f\nbase_config: {fixture: hang, trainer: {}}\nsweep_configuration:\n  fixture: {sweep: true, values: [hang, succeed, noop]}\n';
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta })).json();
  await waitForSweep(h, created.id, (s) => s.counts.running === 1);
  const cancelled = await h.app.inject({ method: 'POST', url: `/sweeps/${created.id}/cancel` });
  expect(cancelled.json()).toEqual({ cancelled: 3, stopping: 1 });
  const sweep = await waitForSweep(h, created.id, (s) => s.status === 'cancelled');
  expect(sweep.counts).toMatchObject({ cancelled: 3, running: 0, queued: 0 });
  expect(await h.queues.train.getWaitingCount()).toBe(0);
  const jobs = (await h.app.inject({ url: `/sweeps/${created.id}/jobs` })).json().items;
  // The running job's attempt ends as cancelled once its handler process has stopped.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const detail = (await h.app.inject({ url: `/jobs/${jobs[0].id}` })).json();
    if (detail.attemptLog[0]?.outcome === 'cancelled') break;
    if (Date.now() > deadline) throw new Error(`attempt not cancelled: ${JSON.stringify(detail.attemptLog)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(jobs.slice(1).map((j: { attempts: number }) => j.attempts)).toEqual([0, 0]);
});
