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

const META = paradoxOodSweep(8, 'plots');

test("a table row's plot data: its sets with their scores, ROC curves and the dual-threshold operating point", async () => {
  const sweep = (await h.app.inject({ method: 'POST', url: '/sweeps?kind=ood', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  await waitForSweep(h, sweep.id, (s) => s.status === 'succeeded');
  const [row] = (await h.app.inject({ url: `/sweeps/${sweep.id}/evaluation` })).json().rows;
  const response = await h.app.inject({ url: `/sweeps/${sweep.id}/evaluation/plots?positive=${row.positiveJobIds[0]}&negative=${row.negativeJobIds[0]}` });
  expect(response.statusCode).toBe(200);
  const plots = response.json();
  expect(plots.row).toMatchObject({ inDistribution: 'fashion-mnist', positive: 'test', negative: 'mnist' });
  expect(plots.sets.map((s: { role: string; shown: number }) => [s.role, s.shown])).toEqual([['in-distribution', 8], ['ood', 8], ['generated', 8]]);
  expect(plots.sets[1].scores.log_likelihood).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
  expect(plots.curves.map((c: { metric: string; auc: number }) => [c.metric, c.auc])).toEqual([
    ['auc:log_likelihood', 0], ['auc:lid', 1], ['auc:dual:log_likelihood+lid', 1],
  ]);
  expect(plots.operatingPoint).toMatchObject({ scores: ['log_likelihood', 'lid'], tpr: 1, fpr: 0 });
});

test('jobs that are no row of the sweep give a coded 404 that says which ids to use', async () => {
  const sweep = (await h.app.inject({ method: 'POST', url: '/sweeps?kind=ood', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  const response = await h.app.inject({ url: `/sweeps/${sweep.id}/evaluation/plots?positive=a&negative=b` });
  expect(response.statusCode).toBe(404);
  expect(response.json()).toMatchObject({ code: 'DGM_EVALUATION_ROW_NOT_FOUND' });
  expect(response.json().message).toContain('positiveJobIds[0]');
});
