import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let stopWorker: (() => Promise<void>) | undefined;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

const post = async (payload: string, query = '') => {
  const response = await h.app.inject({ method: 'POST', url: `/sweeps${query}`, headers: { 'content-type': 'application/yaml' }, payload });
  return { status: response.statusCode, body: response.json() };
};

const TRAIN = (name: string, fixture: string) => `
project: deps
sweep_name: ${name}
base_config: {fixture: ${fixture}, steps: 3, stepMs: 150, trainer: {}}
sweep_configuration:
  steps: {sweep: true, values: [3]}
`;
const OOD = (model: string) => `
project: deps
base_config:
  fixture: succeed
  base_model: {sweep: ${model}, job: 0}
  ood: {seed: 100}
sweep_configuration:
  points: {sweep: true, values: [2, 3]}
`;

test('OOD jobs that reference a training job wait for it and start only after it succeeded', async () => {
  const train = await post(TRAIN('fmnist-flow', 'counter'), '?kind=train');
  expect(train.status).toBe(201);
  const ood = await post(OOD('fmnist-flow'), '?kind=ood');
  expect(ood.status).toBe(201);
  expect(ood.body).toMatchObject({ jobCount: 2, queued: 0, waiting: 2 });
  const waiting = (await h.app.inject({ url: `/sweeps/${ood.body.id}/jobs` })).json().items;
  const trainJob = (await h.app.inject({ url: `/sweeps/${train.body.id}/jobs` })).json().items[0];
  expect((await h.app.inject({ url: `/jobs/${waiting[0].id}` })).json().dependsOn).toEqual([trainJob.id]);

  stopWorker = (await startFixtureWorker(h, { concurrency: 3 })).close;
  await waitForSweep(h, ood.body.id, (s) => s.status === 'succeeded');
  const trained = (await h.app.inject({ url: `/jobs/${trainJob.id}` })).json();
  for (const job of (await h.app.inject({ url: `/sweeps/${ood.body.id}/jobs` })).json().items) {
    expect(new Date(job.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(trained.finishedAt).getTime());
  }
});

test('when the training job fails, the OOD jobs fail with a clear reason', async () => {
  const train = await post(TRAIN('broken-flow', 'nan'), '?kind=train');
  const ood = await post(OOD('broken-flow'), '?kind=ood');
  const trained = await waitForSweep(h, train.body.id, (s) => s.status !== 'running' && s.status !== 'pending');
  expect(trained.status).toBe('failed');
  const done = await waitForSweep(h, ood.body.id, (s) => s.status === 'failed');
  expect(done.counts).toMatchObject({ failed: 2 });
  const job = (await h.app.inject({ url: `/sweeps/${ood.body.id}/jobs` })).json().items[0];
  expect(job.error).toMatch(/^dependency failed: job 0 \(.*\) of sweep broken-flow failed: non-finite loss/);
  expect(job.attempts).toBe(0);
  void train;
});

test('a reference to a sweep or job that does not exist is refused with the job and path', async () => {
  const missingSweep = await post(OOD('no-such-sweep'), '?kind=ood');
  expect(missingSweep.status).toBe(400);
  expect(missingSweep.body.errors[0]).toMatchObject({ path: 'jobs[0].base_model', code: 'DGM_MODEL_REFERENCE' });
  expect(missingSweep.body.errors[0].message).toMatch(/no sweep with that name/);
  const missingJob = await post(OOD('fmnist-flow').replace('job: 0', 'job: 7'), '?kind=ood');
  expect(missingJob.status).toBe(400);
  expect(missingJob.body.errors[0].message).toMatch(/has no such job/);
});

test('the OOD handler gets the referenced model restored on its machine (database-backed store, empty MODEL_DIR)', async () => {
  await stopWorker?.();
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const trainer = await startFixtureWorker(h, { config: { ...h.config, artifactStore: 'postgres', modelDir: mkdtempSync(join(tmpdir(), 'dgm-a-')) }, queues: ['train'] });
  const scorer = await startFixtureWorker(h, { config: { ...h.config, artifactStore: 'postgres', modelDir: mkdtempSync(join(tmpdir(), 'dgm-b-')) }, queues: ['ood'] });
  stopWorker = async () => {
    await trainer.close();
    await scorer.close();
  };
  const train = await post(TRAIN('model-store', 'succeed'), '?kind=train');
  const ood = await post(OOD('model-store').replace('fixture: succeed', 'fixture: read-model'), '?kind=ood');
  await waitForSweep(h, ood.body.id, (s) => s.status === 'succeeded');
  const trainJob = (await h.app.inject({ url: `/sweeps/${train.body.id}/jobs` })).json().items[0];
  const job = (await h.app.inject({ url: `/sweeps/${ood.body.id}/jobs` })).json().items[0];
  expect((await h.app.inject({ url: `/jobs/${job.id}` })).json().summary).toEqual({ model: 'trained by attempt 1\n', from: trainJob.id });
});
