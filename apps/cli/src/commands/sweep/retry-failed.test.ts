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

test('retry-failed re-runs the failed jobs, which then succeed', async () => {
  // One attempt per job: `flaky` fails its first attempt and succeeds on the next.
  const meta = 'project: cli\nbase_config: {fixture: succeed, failTimes: 1, trainer: {}}\nsweep_configuration:\n  fixture: {sweep: true, values: [succeed, flaky]}\n';
  const first = memoryIo({ 'flaky.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'flaky.yaml', '--max-attempts', '1', '--wait', '--url', live.url], first)).toBe(5);
  const id = /\(([0-9a-f-]{36})\)/.exec(first.out)![1]!;

  const io = memoryIo();
  expect(await runCli(['sweep', 'retry-failed', id, '--url', live.url], io)).toBe(0);
  expect(io.out).toBe(`requeued 1 failed job of sweep ${id}\n`);
  const done = (await live.waitFor(id, (s) => s.status === 'succeeded')) as { counts: Record<string, number> };
  expect(done.counts).toMatchObject({ succeeded: 2, failed: 0 });

  const none = memoryIo();
  expect(await runCli(['sweep', 'retry-failed', 'flaky', '--url', live.url], none)).toBe(0);
  expect(none.out).toBe(`sweep ${id} has no failed jobs: nothing requeued\n`);
});
