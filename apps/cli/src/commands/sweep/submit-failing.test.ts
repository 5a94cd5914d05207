import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
beforeAll(async () => {
  live = await startLiveCoordinator();
});
afterAll(async () => {
  await live?.close();
});

// `nan` fails deterministically (no retry): the sweep ends failed with one job succeeded.
const META = 'project: cli\nbase_config: {fixture: succeed, trainer: {}}\nsweep_configuration:\n  fixture: {sweep: true, values: [succeed, nan]}\n';

test('submit --wait of a sweep with a failing job lists it with its error and exits 5', async () => {
  const io = memoryIo({ 'failing.yaml': META });
  expect(await runCli(['sweep', 'submit', 'failing.yaml', '--wait', '--url', live.url], io)).toBe(5);
  expect(io.out).toMatch(/\nsweep failing \([0-9a-f-]{36}\) failed after [\d.]+s: 1 succeeded, 1 failed/);
  expect(io.out).toMatch(/\n1 job did not succeed:\n {2}fixture=nan_[0-9a-f]{8} \(job [0-9a-f-]{36}, failed after 1 attempt\): non-finite loss at step 4/);
  const table = io.out.slice(io.out.indexOf('\nrun name') + 1).trim().split('\n');
  expect(table.slice(1).map((row) => row.split(/\s{2,}/).slice(1, 3))).toEqual([['succeeded', '1'], ['failed', '1']]);
});
