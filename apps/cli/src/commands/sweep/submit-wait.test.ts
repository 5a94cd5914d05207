import { afterAll, beforeAll, expect, test } from 'vitest';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';
import { paradoxOodSweep } from '../../../../coordinator/src/testing/fixture-sweeps.js';

let live: LiveCoordinator;
beforeAll(async () => {
  live = await startLiveCoordinator();
});
afterAll(async () => {
  await live?.close();
});

const OOD = paradoxOodSweep(6, 'cli');

const TRAIN = 'project: cli\nbase_config: {fixture: succeed, trainer: {}}\nsweep_configuration:\n  points: {sweep: true, values: [1, 2]}\n';

test('submit --wait follows an OOD sweep to its end and prints the summary and the AUC table, exit 0', async () => {
  const io = memoryIo({ 'metas/ood-fixture.yaml': OOD });
  expect(await runCli(['sweep', 'submit', 'metas/ood-fixture.yaml', '--kind', 'ood', '--wait', '--url', live.url], io)).toBe(0);
  expect(io.err).toBe('');
  const lines = io.out.split('\n');
  // The sweep is named after the file (it names none itself).
  expect(lines[0]).toMatch(/^submitted sweep ood-fixture \([0-9a-f-]{36}\): 3 ood jobs \(3 queued, 0 waiting for their models\)$/);
  // Not a terminal: plain progress lines, not bars.
  expect(lines[1]).toMatch(/^\[elapsed .+\] \d\/3 \(\d+%\) finished, work \d+%: .+; ETA .+$/);
  expect(io.out).toMatch(/\nsweep ood-fixture \([0-9a-f-]{36}\) succeeded after [\d.]+s: 3 succeeded/);
  expect(io.out).toMatch(/\nAUC per model and method \(protocol exact; \[95% percentile bootstrap interval, 200 resamples\]; ±: std over seeds\):\n/);
  const table = io.out.slice(io.out.indexOf('\nmodel ') + 1).trim().split('\n');
  expect(table[0]).toMatch(/^model\s+method\s+positive\s+negative\s+n\+\s+n-\s+seeds\s+log_likelihood\s+lid\s+dual:log_likelihood\+lid\s+max$/);
  expect(table.slice(2).map((row) => row.split(/\s{2,}/).slice(2, 4))).toEqual([
    ['fashion-mnist (test)', 'mnist'],
    ['fashion-mnist-gen', 'mnist'],
  ]);
});

test('submit --wait of a training sweep ends with its jobs: run name, state, attempts, duration', async () => {
  const io = memoryIo({ 'train.yaml': TRAIN });
  expect(await runCli(['sweep', 'submit', 'train.yaml', '--name', 'cli-train', '--wait', '--url', live.url], io)).toBe(0);
  expect(io.out).toMatch(/^submitted sweep cli-train \([0-9a-f-]{36}\): 2 train jobs/);
  const table = io.out.slice(io.out.indexOf('\nrun name') + 1).trim().split('\n');
  expect(table[0]).toMatch(/^run name\s+state\s+attempts\s+duration$/);
  expect(table.slice(1).map((row) => row.split(/\s{2,}/).slice(1, 3))).toEqual([['succeeded', '1'], ['succeeded', '1']]);
  expect(table[1]).toMatch(/\s[\d.]+s$/);
});

test('an invalid meta-configuration is the coordinator’s 400, printed with its located problems, exit 3', async () => {
  const io = memoryIo({ 'bad.yaml': 'project: cli\nbase_config: {fixture: succeed}\nsweep_configuration:\n  points: {sweep: true, values: []}\n' });
  expect(await runCli(['sweep', 'submit', 'bad.yaml', '--kind', 'train', '--url', live.url], io)).toBe(3);
  expect(io.out).toBe('');
  expect(io.err).toMatch(/^dgm-ood sweep submit: the coordinator answered 400 to POST \/sweeps: bad\.yaml: the meta-configuration is invalid .*\[DGM_SWEEP_INVALID\]\n  .+/);
  const missing = memoryIo();
  expect(await runCli(['sweep', 'submit', 'nowhere.yaml', '--url', live.url], missing)).toBe(2);
  expect(missing.err).toMatch(/^dgm-ood sweep submit: cannot read nowhere\.yaml: /);
});
