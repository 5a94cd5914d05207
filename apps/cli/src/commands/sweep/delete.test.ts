import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
beforeAll(async () => {
  // The jobs stay queued; MODEL_DIR is a scratch directory, not the checkout's runs/.
  live = await startLiveCoordinator({ worker: false, config: { modelDir: mkdtempSync(join(tmpdir(), 'dgm-cli-delete-')) } });
});
afterAll(async () => {
  await live?.close();
});

test('delete shows what would go and deletes only with --yes; unfinished jobs need --cancel', async () => {
  const meta = 'project: cli\nsweep_name: scratch\nbase_config: {fixture: noop, trainer: {}}\nsweep_configuration:\n  seed: {sweep: true, values: [1, 2]}\n';
  const submitted = memoryIo({ 'scratch.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'scratch.yaml', '--url', live.url], submitted)).toBe(0);
  const id = /\(([0-9a-f-]{36})\)/.exec(submitted.out)![1]!;

  const active = memoryIo();
  expect(await runCli(['sweep', 'delete', 'scratch', '--yes', '--url', live.url], active)).toBe(3);
  expect(active.err).toContain('[DGM_SWEEP_ACTIVE]');

  const preview = `would delete sweep scratch (${id}): would cancel 2 unfinished jobs first; 2 jobs, 0 result rows, 0 evaluations, 0 artifacts (0 B: 0 large objects, 0 working directories)\n`;
  const unconfirmed = memoryIo();
  expect(await runCli(['sweep', 'delete', 'scratch', '--cancel', '--url', live.url], unconfirmed)).toBe(1);
  expect(unconfirmed.out).toBe(preview);
  expect(unconfirmed.err).toBe('dgm-ood sweep delete: nothing deleted: add --yes to delete (it cannot be undone)\n');
  const dryRun = memoryIo();
  expect(await runCli(['sweep', 'delete', id, '--cancel', '--dry-run', '--url', live.url], dryRun)).toBe(0);
  expect(dryRun.out).toBe(preview);
  expect((await live.harness.app.inject({ url: `/sweeps/${id}` })).json().counts.queued).toBe(2);

  const io = memoryIo();
  expect(await runCli(['sweep', 'delete', 'scratch', '--cancel', '--yes', '--url', live.url], io)).toBe(0);
  expect(io.out).toBe(`deleted sweep scratch (${id}): cancelled 2 unfinished jobs first; 2 jobs, 0 result rows, 0 evaluations, 0 artifacts (0 B: 0 large objects, 0 working directories)\n`);
  expect((await live.harness.app.inject({ url: `/sweeps/${id}` })).statusCode).toBe(404);

  const again = memoryIo();
  expect(await runCli(['sweep', 'delete', 'scratch', '--yes', '--url', live.url], again)).toBe(2);
});
