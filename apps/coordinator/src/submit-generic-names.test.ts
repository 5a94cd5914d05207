import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

// A plain dysweep training sweep: no trainer.writer, which the train kind's default changer (change_name) reads.
const PLAIN_TRAINING_SWEEP = `project: plain
sweep_name: plain-mnist
base_config:
  data:
    dataset: mnist
  model:
    preset: rqnsf-grayscale-cpu
  trainer:
    max_epochs: 1
sweep_configuration:
  trainer:
    max_epochs: {sweep: true, values: [1, 2, 3]}
`;

test('a training sweep without trainer.writer is accepted with <dataset>_<short id> names and one recorded warning', async () => {
  const response = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: PLAIN_TRAINING_SWEEP });
  expect(response.statusCode).toBe(201);
  expect(response.json()).toMatchObject({ kind: 'train', jobCount: 3, queued: 3 });
  const id = response.json().id as string;

  const jobs = (await h.app.inject({ url: `/sweeps/${id}/jobs?pageSize=10` })).json();
  const names = jobs.items.map((j: { name: string }) => j.name);
  expect(names).toHaveLength(3);
  for (const name of names) expect(name).toMatch(/^mnist_[0-9a-f]{8}$/);
  expect(new Set(names).size).toBe(3);

  const sweep = (await h.app.inject({ url: `/sweeps/${id}` })).json();
  expect(sweep.options.warnings).toEqual([expect.stringMatching(/^run names: change_name does not apply \(KeyError: 'writer'.*3 of 3 jobs\)/)]);
  expect(sweep.options.runNameChanger).toBeNull();
});
