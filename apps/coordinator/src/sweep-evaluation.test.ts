import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';
import { paradoxOodSweep } from './testing/fixture-sweeps.js';

let h: CoordinatorHarness;
let stopWorker: () => Promise<void>;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  stopWorker = (await startFixtureWorker(h, { concurrency: 2 })).close;
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

const META = paradoxOodSweep(12);

test('a finished OOD sweep pairs its jobs per model and serves the AUC table', async () => {
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  expect(created).toMatchObject({ kind: 'ood', jobCount: 3 });
  await waitForSweep(h, created.id, (s) => s.status === 'succeeded');
  const evaluation = (await h.app.inject({ url: `/sweeps/${created.id}/evaluation` })).json();
  expect(evaluation.complete).toBe(true);
  expect(evaluation.rows).toHaveLength(2);
  const [test, generated] = evaluation.rows;
  const values = (row: { metrics: { metric: string; value: number }[] }) => Object.fromEntries(row.metrics.map((m) => [m.metric, m.value]));
  expect(test).toMatchObject({
    model: 'runs/fmnist/best.json', method: 'unspecified', inDistribution: 'fashion-mnist', positive: 'test', negative: 'mnist', positives: 12, negatives: 12, seeds: 1,
  });
  expect(values(test)).toEqual({ 'auc:log_likelihood': 0, 'auc:lid': 1, 'auc:dual:log_likelihood+lid': 1, 'auc:max': 1 });
  expect(generated).toMatchObject({ positive: 'generated', negative: 'mnist' });
  expect(values(generated)).toMatchObject({ 'auc:log_likelihood': 0, 'auc:dual:log_likelihood+lid': 1 });
  // Stored: served again from the Evaluation rows.
  expect(await h.prisma.evaluation.count({ where: { sweepId: created.id } })).toBe(8);
  const again = (await h.app.inject({ url: `/sweeps/${created.id}/evaluation` })).json();
  expect(again.rows).toEqual(evaluation.rows);
  const parity = (await h.app.inject({ url: `/sweeps/${created.id}/evaluation?protocol=reference-randomised` })).json();
  expect(parity.protocol).toMatchObject({ name: 'reference-randomised', seed: 111 });
  expect(values(parity.rows[0])['auc:max']).toBe(1);
  // A parity run does not replace the stored exact table.
  expect((await h.app.inject({ url: `/sweeps/${created.id}/evaluation` })).json().protocol).toEqual({ name: 'exact' });
});
