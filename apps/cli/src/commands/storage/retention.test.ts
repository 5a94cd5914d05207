import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { finishedDaysAgo } from '../../../../coordinator/src/testing/stored-sweeps.js';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
beforeAll(async () => {
  live = await startLiveCoordinator({ worker: false, config: { modelDir: mkdtempSync(join(tmpdir(), 'dgm-cli-retention-')) } });
});
afterAll(async () => {
  await live?.close();
});

test('storage retention --days N lists the sweeps finished before then, and deletes them only with --yes', async () => {
  const old = await finishedDaysAgo(live.harness.pool, 'last-year', 365);
  const recent = await finishedDaysAgo(live.harness.pool, 'last-week', 7);

  const listed = memoryIo();
  expect(await runCli(['storage', 'retention', '--days', '30', '--url', live.url], listed)).toBe(1);
  expect(listed.out).toContain(`last-year  ${old.id}`);
  expect(listed.out).toContain('would delete 1 sweep finished more than 30 days ago');
  expect(listed.out).not.toContain('last-week');

  const io = memoryIo();
  expect(await runCli(['storage', 'retention', '--days', '30', '--yes', '--url', live.url], io)).toBe(0);
  expect(io.out).toContain('deleted 1 sweep finished more than 30 days ago');
  expect((await live.harness.app.inject({ url: `/sweeps/${old.id}` })).statusCode).toBe(404);
  expect((await live.harness.app.inject({ url: `/sweeps/${recent.id}` })).statusCode).toBe(200);

  // No --days and no DGM_OOD_RETENTION_DAYS on the coordinator: its refusal says what to set.
  const unset = memoryIo();
  expect(await runCli(['storage', 'retention', '--url', live.url], unset)).toBe(3);
  expect(unset.err).toContain('[DGM_RETENTION_DAYS_MISSING]');
});
