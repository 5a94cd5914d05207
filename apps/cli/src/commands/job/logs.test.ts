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

const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info {2}\[attempt 1\] /;

test('job logs --follow prints the lines of a running job until it has finished, then exits with its outcome', async () => {
  // `counter` logs when it starts, then counts 6 steps of 150 ms.
  const meta = 'project: cli\nbase_config: {fixture: counter, steps: 6, stepMs: 150, trainer: {}}\nsweep_configuration:\n  steps: {sweep: true, values: [6]}\n';
  const submitted = memoryIo({ 'count.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'count.yaml', '--url', live.url], submitted)).toBe(0);
  const sweepId = /\(([0-9a-f-]{36})\)/.exec(submitted.out)![1]!;
  await live.waitFor(sweepId, (s) => s.counts.running === 1);
  const job = (await live.harness.app.inject({ url: `/sweeps/${sweepId}/jobs` })).json().items[0];

  const io = memoryIo();
  expect(await runCli(['job', 'logs', job.id, '--follow', '--url', live.url], io)).toBe(0);
  // It returned only once the job had finished.
  expect((await live.harness.app.inject({ url: `/jobs/${job.id}` })).json().state).toBe('succeeded');
  const lines = io.out.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(LINE);
  expect(lines[0]).toMatch(/\] counting \{"resumedFrom":0\}$/);
  expect(io.err).toBe(`dgm-ood job logs: job ${job.id} succeeded\n`);

  // Without --follow: what is there, at once.
  const once = memoryIo();
  expect(await runCli(['job', 'logs', job.id, '--url', live.url], once)).toBe(0);
  expect(once.out).toBe(io.out);
});

test('job logs --follow of a failed job exits 5; a job name instead of an id is refused', async () => {
  const meta = 'project: cli\nbase_config: {fixture: nan, trainer: {}}\nsweep_configuration:\n  fixture: {sweep: true, values: [nan]}\n';
  const submitted = memoryIo({ 'nan.yaml': meta });
  expect(await runCli(['sweep', 'submit', 'nan.yaml', '--wait', '--url', live.url], submitted)).toBe(5);
  const sweepId = /\(([0-9a-f-]{36})\)/.exec(submitted.out)![1]!;
  const job = (await live.harness.app.inject({ url: `/sweeps/${sweepId}/jobs` })).json().items[0];
  const io = memoryIo();
  expect(await runCli(['job', 'logs', job.id, '--follow', '--url', live.url], io)).toBe(5);
  expect(io.err).toBe(`dgm-ood job logs: job ${job.id} failed\n`);

  const byName = memoryIo();
  expect(await runCli(['job', 'logs', job.name, '--url', live.url], byName)).toBe(2);
  expect(byName.err).toMatch(/is not a job id \(a UUID; dgm-ood sweep show SWEEP --json lists them\)\n$/);
});
