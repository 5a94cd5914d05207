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

test("a job's artifacts download by name: images inline with their type, other files as attachments; unknown names 404", async () => {
  const sweep = (
    await h.app.inject({
      method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' },
      payload: 'project: a\nbase_config: {fixture: curves}\nsweep_configuration:\n  n: {sweep: true, values: [1]}\n',
    })
  ).json();
  await waitForSweep(h, sweep.id, (s) => s.status === 'succeeded');
  const [job] = (await h.app.inject({ url: `/sweeps/${sweep.id}/jobs` })).json().items;
  const image = await h.app.inject({ url: `/jobs/${job.id}/artifacts/samples/epoch-001.png` });
  expect(image.statusCode).toBe(200);
  expect(image.headers['content-type']).toBe('image/png');
  expect(image.rawPayload.subarray(1, 4).toString()).toBe('PNG');
  expect(image.headers['content-disposition']).toBeUndefined();
  const missing = await h.app.inject({ url: `/jobs/${job.id}/artifacts/samples/nope.png` });
  expect(missing.statusCode).toBe(404);
  expect(missing.json()).toMatchObject({ code: 'DGM_ARTIFACT_NOT_FOUND', message: `job ${job.id} has no artifact samples/nope.png` });

  const succeed = (
    await h.app.inject({
      method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' },
      payload: 'project: b\nbase_config: {fixture: succeed}\nsweep_configuration:\n  n: {sweep: true, values: [1]}\n',
    })
  ).json();
  await waitForSweep(h, succeed.id, (s) => s.status === 'succeeded');
  const [other] = (await h.app.inject({ url: `/sweeps/${succeed.id}/jobs` })).json().items;
  const text = await h.app.inject({ url: `/jobs/${other.id}/artifacts/model.txt` });
  expect(text.body).toBe('trained by attempt 1\n');
  expect(text.headers['content-disposition']).toBe('attachment; filename="model.txt"');
});
