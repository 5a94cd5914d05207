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

test('cancel drops the queued jobs and stops the running one; a finished sweep has nothing to cancel', async () => {
  // The worker runs one job at a time: `hang` runs until stopped, the other two wait in the queue.
  const meta = 'project: cli\nbase_config: {fixture: hang, trainer: {}}\nsweep_configuration:\n  fixture: {sweep: true, values: [hang, succeed, noop]}\n';
  const submitted = memoryIo({ 'hang.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'hang.yaml', '--url', live.url], submitted)).toBe(0);
  const id = /\(([0-9a-f-]{36})\)/.exec(submitted.out)![1]!;
  await live.waitFor(id, (s) => s.counts.running === 1);

  const io = memoryIo();
  expect(await runCli(['sweep', 'cancel', 'hang', '--url', live.url], io)).toBe(0);
  expect(io.out).toBe(`cancelled 3 jobs of sweep ${id} (1 running: their workers are stopping them)\n`);
  await live.waitFor(id, (s) => s.status === 'cancelled');

  const again = memoryIo();
  expect(await runCli(['sweep', 'cancel', id, '--url', live.url], again)).toBe(0);
  expect(again.out).toBe(`sweep ${id} has no unfinished jobs: nothing cancelled\n`);
});
