import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  stopWorker = (await startFixtureWorker(h)).close;
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

// One attempt per job: the flaky cells fail on their first attempt and succeed on the next one.
const META = `
project: fixtures
base_config:
  fixture: succeed
  failTimes: 1
  trainer: {}
sweep_configuration:
  fixture: {sweep: true, values: [succeed, flaky]}
  points: {sweep: true, values: [1, 2]}
`;

test('retry-failed re-runs only the failed cells, and they succeed', async () => {
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps?maxAttempts=1&backoffMs=10', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  expect(created.jobCount).toBe(4);
  const failed = await waitForSweep(h, created.id, (s) => s.status !== 'running' && s.status !== 'pending');
  expect(failed.status).toBe('failed');
  expect(failed.counts).toMatchObject({ succeeded: 2, failed: 2 });
  const before = (await h.app.inject({ url: `/sweeps/${created.id}/jobs` })).json().items;

  const retried = await h.app.inject({ method: 'POST', url: `/sweeps/${created.id}/retry-failed` });
  expect(retried.json()).toEqual({ requeued: 2 });
  const done = await waitForSweep(h, created.id, (s) => s.status === 'succeeded');
  expect(done.counts).toMatchObject({ succeeded: 4, failed: 0 });

  const after = (await h.app.inject({ url: `/sweeps/${created.id}/jobs` })).json().items;
  for (const [i, job] of after.entries()) {
    // Succeeded cells were not run again; failed cells got exactly one more attempt.
    expect(job.attempts).toBe(before[i].state === 'failed' ? 2 : 1);
  }
  expect(before.map((j: { state: string }) => j.state)).toEqual(['succeeded', 'succeeded', 'failed', 'failed']);
  const flaky = (await h.app.inject({ url: `/jobs/${after[2].id}` })).json();
  expect(flaky.attemptLog.map((a: { outcome: string }) => a.outcome)).toEqual(['failed', 'succeeded']);
});

test('POST /jobs/:id/retry re-runs one finished job and refuses a queued one', async () => {
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: META.replace('[succeed, flaky]', '[succeed]').replace('[1, 2]', '[1]') })).json();
  await waitForSweep(h, created.id, (s) => s.status === 'succeeded');
  const job = (await h.app.inject({ url: `/sweeps/${created.id}/jobs` })).json().items[0];
  const again = await h.app.inject({ method: 'POST', url: `/jobs/${job.id}/retry` });
  expect(again.statusCode).toBe(200);
  expect(again.json().state).toBe('queued');
  const conflict = await h.app.inject({ method: 'POST', url: `/jobs/${job.id}/retry` });
  if (conflict.statusCode === 409) expect(conflict.json().code).toBe('DGM_JOB_NOT_RETRYABLE');
  await waitForSweep(h, created.id, (s) => s.status === 'succeeded');
  expect((await h.app.inject({ url: `/jobs/${job.id}` })).json().attempts).toBe(2);
});
