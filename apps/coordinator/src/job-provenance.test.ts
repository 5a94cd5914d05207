import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  stopWorker = (await startFixtureWorker(h, { workerId: 'provenance-worker' })).close;
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

test("GET /jobs/:id returns the job's provenance and each attempt's", async () => {
  const meta = 'project: f\nbase_config: {fixture: provenance, trainer: {}}\nsweep_configuration: {}\n';
  const submitted = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta });
  expect(submitted.statusCode, submitted.body).toBe(201);
  const sweepId = submitted.json().id;
  await waitForSweep(h, sweepId, (s) => s.status === 'succeeded');
  const job = (await h.app.inject({ url: `/sweeps/${sweepId}/jobs` })).json().items[0];
  const detail = (await h.app.inject({ url: `/jobs/${job.id}` })).json();
  expect(detail.provenance).toMatchObject({ workerId: 'provenance-worker', node: process.version, backend: 'fixture-backend', seed: 7, device: 'fixture-device' });
  expect(detail.provenance.codeVersion).toEqual(expect.any(String));
  expect(detail.attemptLog.map((a: { provenance: unknown }) => a.provenance)).toEqual([detail.provenance]);
});
