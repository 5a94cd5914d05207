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

test('show names queued jobs whose resources no live worker has, with what they need and what the workers have', async () => {
  const meta = 'project: cli\nbase_config: {fixture: succeed, trainer: {}, resources: {device: gpu}}\nsweep_configuration:\n  points: {sweep: true, values: [2, 3]}\n';
  const submitted = memoryIo({ 'gpu.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'gpu.yaml', '--url', live.url], submitted)).toBe(0);
  expect(submitted.out).toMatch(/warning: jobs of requirement class gpu needs a gpu; live train workers have: .* cpu with 8 GiB/);
  const sweepId = /([0-9a-f]{8}-[0-9a-f-]{27})/.exec(submitted.out)![1]!;
  const io = memoryIo();
  expect(await runCli(['sweep', 'show', sweepId, '--url', live.url], io)).toBe(0);
  expect(io.out).toMatch(/\n {2}unservable 2 queued train job\(s\) of requirement class gpu: needs a gpu; live train workers have: .* cpu with 8 GiB\. The jobs stay queued until a worker that meets it starts \(they are not failed\)\.\n/);
});
