import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CoordinatorHarness } from './testing/harness.js';
import { finishedDaysAgo, storageHarness } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await storageHarness({ retentionDays: 30 });
});
afterAll(async () => {
  await h?.close();
});

test('with DGM_OOD_RETENTION_DAYS set, the coordinator runs a retention pass when it starts (then hourly)', async () => {
  const old = await finishedDaysAgo(h.pool, 'old', 31);
  const recent = await finishedDaysAgo(h.pool, 'recent', 29);
  await h.app.ready(); // what listen() does first
  await h.app.storage.settled();
  expect((await h.app.inject({ url: `/sweeps/${old.id}` })).statusCode).toBe(404);
  expect((await h.app.inject({ url: `/sweeps/${recent.id}` })).statusCode).toBe(200);
});
