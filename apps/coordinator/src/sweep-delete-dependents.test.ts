import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';
import { jobIdsOf, rowsOf, storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  h = await storageHarness();
  worker = await startFixtureWorker(h);
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
});

/** An OOD sweep whose jobs score the model of job 0 of sweep `model` (and so depend on that job). */
const scoring = (model: string) => `
project: storage
sweep_name: ${model}-scores
base_config: {fixture: read-model, base_model: {sweep: ${model}, job: 0}, ood: {seed: 1}}
sweep_configuration:
  points: {sweep: true, values: [1, 2]}
`;

test('a sweep another sweep depends on is refused (409, naming it) unless withDependents=true deletes both', async () => {
  const model = await submit(h, trainSweep('model', ['succeed']));
  const scores = await submit(h, scoring('model'), 'ood');
  await waitForSweep(h, scores, (s) => s.status === 'succeeded');
  const modelJobs = await jobIdsOf(h.pool, model);
  const scoreJobs = await jobIdsOf(h.pool, scores);
  const before = await rowsOf(h.pool, model, modelJobs);

  const refused = await h.app.inject({ method: 'DELETE', url: `/sweeps/${model}` });
  expect(refused.statusCode).toBe(409);
  expect(refused.json().code).toBe('DGM_SWEEP_HAS_DEPENDENTS');
  expect(refused.json().message).toContain(`sweep model (${model}) is needed by model-scores (${scores})`);
  expect(await rowsOf(h.pool, model, modelJobs)).toEqual(before);

  const both = await h.app.inject({ method: 'DELETE', url: `/sweeps/${model}?withDependents=true` });
  expect(both.statusCode).toBe(200);
  expect(both.json().sweeps.map((s: { id: string }) => s.id).sort()).toEqual([model, scores].sort());
  expect(both.json().jobs).toBe(3);
  for (const [id, jobs] of [[model, modelJobs], [scores, scoreJobs]] as const) {
    expect(Object.values(await rowsOf(h.pool, id, jobs)).every((n) => n === 0)).toBe(true);
  }
});

test('the depending sweep itself can be deleted alone; its model stays', async () => {
  const model = await submit(h, trainSweep('model-2', ['succeed']));
  const scores = await submit(h, scoring('model-2'), 'ood');
  await waitForSweep(h, scores, (s) => s.status === 'succeeded');
  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${scores}` })).statusCode).toBe(200);
  expect((await h.app.inject({ url: `/sweeps/${model}` })).json().counts.succeeded).toBe(1);
  // Nothing depends on the model any more.
  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${model}` })).statusCode).toBe(200);
});
