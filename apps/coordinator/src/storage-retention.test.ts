import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CoordinatorHarness } from './testing/harness.js';
import { finishedDaysAgo, storageHarness } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await storageHarness();
});
afterAll(async () => {
  await h?.close();
});

const retention = (body: Record<string, unknown>) => h.app.inject({ method: 'POST', url: '/storage/retention', payload: body });
const exists = async (id: string) => (await h.app.inject({ url: `/sweeps/${id}` })).statusCode === 200;

test('retention deletes only sweeps finished before the cutoff, never one a newer sweep still depends on', async () => {
  const old = await finishedDaysAgo(h.pool, 'old', 40);
  const recent = await finishedDaysAgo(h.pool, 'recent', 5);
  const oldButRunning = await finishedDaysAgo(h.pool, 'old-but-running', 90, { unfinished: true });
  const neededModel = await finishedDaysAgo(h.pool, 'needed-model', 40);
  const newScores = await finishedDaysAgo(h.pool, 'new-scores', 5, { dependsOn: neededModel.jobId });
  const oldModel = await finishedDaysAgo(h.pool, 'old-model', 50);
  const oldScores = await finishedDaysAgo(h.pool, 'old-scores', 40, { dependsOn: oldModel.jobId });

  const preview = await retention({ days: 30, dryRun: true });
  expect(preview.statusCode).toBe(200);
  const names = (body: { sweeps: { name: string }[] }) => body.sweeps.map((s) => s.name);
  // Dependents before what they depend on.
  expect(names(preview.json()).sort()).toEqual(['old', 'old-model', 'old-scores']);
  expect(names(preview.json()).indexOf('old-scores')).toBeLessThan(names(preview.json()).indexOf('old-model'));
  expect(preview.json().kept).toEqual([{ id: neededModel.id, name: 'needed-model', neededBy: [newScores.id] }]);
  for (const sweep of [old, oldModel, oldScores]) expect(await exists(sweep.id)).toBe(true);

  const applied = await retention({ days: 30 });
  expect(names(applied.json()).sort()).toEqual(['old', 'old-model', 'old-scores']);
  expect(applied.json().skipped).toEqual([]);
  for (const sweep of [old, oldModel, oldScores]) expect(await exists(sweep.id)).toBe(false);
  for (const sweep of [recent, oldButRunning, neededModel, newScores]) expect(await exists(sweep.id)).toBe(true);
});

test('without days and without DGM_OOD_RETENTION_DAYS, a run is refused with what to set', async () => {
  const response = await retention({});
  expect(response.statusCode).toBe(400);
  expect(response.json().code).toBe('DGM_RETENTION_DAYS_MISSING');
});
