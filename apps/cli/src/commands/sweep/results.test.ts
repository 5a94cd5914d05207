import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runWordFor } from '@dgm-ood/metaconfig';
import { runCli } from '../../cli.js';
import { startLiveCoordinator, type LiveCoordinator } from '../../testing/live-coordinator.js';
import { memoryIo } from '../../test-io.js';

let live: LiveCoordinator;
let sweepId: string;
// No pick_loader: the reference's run-name changer cannot name these jobs, so they get generic names and the
// export builds the reference's names from their configs.
const META = `
project: cli
base_config:
  fixture: score
  points: 2
  base_model: {config_dir: runs/fmnist/run_config.json, checkpoint_dir: runs/fmnist/best.json}
  data:
    in_distribution: {dataloader_args: {dataset: fashion-mnist}}
    out_of_distribution: {dataloader_args: {dataset: fashion-mnist}}
  ood: {seed: 100}
sweep_configuration:
  data:
    out_of_distribution:
      dataloader_args:
        dataset: {sweep: true, values: [fashion-mnist, mnist]}
`;
beforeAll(async () => {
  live = await startLiveCoordinator();
  const io = memoryIo({ 'scores.yaml': META });
  expect(await runCli(['sweep', 'submit', 'scores.yaml', '--kind', 'ood', '--wait', '--url', live.url], io)).toBe(0);
  sweepId = /\(([0-9a-f-]{36})\)/.exec(io.out)![1]!;
});
afterAll(async () => {
  await live?.close();
});

test('results: a JSON array of every point with its scores, read page by page', async () => {
  const io = memoryIo();
  expect(await runCli(['sweep', 'results', 'scores', '--url', live.url], io)).toBe(0);
  const rows = JSON.parse(io.out);
  expect(rows).toHaveLength(4);
  expect(rows[3]).toMatchObject({ dataset: 'mnist', split: 'test', pointIndex: 1, scores: { log_likelihood: 101, lid: 101 } });
});

test('results --csv streams the coordinator’s CSV', async () => {
  const io = memoryIo();
  expect(await runCli(['sweep', 'results', sweepId, '--csv', '--url', live.url], io)).toBe(0);
  const lines = io.out.trim().split('\n');
  expect(lines[0]).toBe('job_id,grid_index,job_name,method,code_version,backend,dataset,split,point_index,log_likelihood,lid');
  expect(lines).toHaveLength(5);
});

test('results --csv --reference-names --out FILE writes the reference’s W&B export, with run names the notebooks parse', async () => {
  const jobs = (await live.harness.app.inject({ url: `/sweeps/${sweepId}/jobs` })).json().items as { id: string; name: string }[];
  const word = async (id: string) => runWordFor((await live.harness.app.inject({ url: `/jobs/${id}` })).json().configHash);
  const file = join(mkdtempSync(join(tmpdir(), 'cli-results-')), 'export.csv');
  const io = memoryIo();
  expect(await runCli(['sweep', 'results', sweepId, '--csv', '--reference-names', '--out', file, '--url', live.url], io)).toBe(0);
  expect(io.out).toBe(`wrote 4 result rows of sweep ${sweepId} to ${file}\n`);
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  expect(lines[0]).toBe('"LID","_defaultColorIndex","id","log-likelihood","name"');
  expect(jobs[0]!.name).toMatch(/^fashion-mnist_[0-9a-f]{8}$/);
  expect(lines[1]).toBe(`"200","0","${jobs[0]!.id}","0","fashion-mnist_vs_fashion-mnist_test_${await word(jobs[0]!.id)}"`);
  expect(lines[4]).toBe(`"101","1","${jobs[1]!.id}","101","fashion-mnist_vs_mnist_test_${await word(jobs[1]!.id)}"`);
  // The JSON rows are the same cells.
  const json = memoryIo();
  expect(await runCli(['sweep', 'results', sweepId, '--reference-names', '--url', live.url], json)).toBe(0);
  const rows = JSON.parse(json.out);
  expect(Object.keys(rows[0])).toEqual(['LID', '_defaultColorIndex', 'id', 'log-likelihood', 'name']);
  expect(rows[3]).toEqual({ LID: 101, _defaultColorIndex: 1, id: jobs[1]!.id, 'log-likelihood': 101, name: `fashion-mnist_vs_mnist_test_${await word(jobs[1]!.id)}` });
});
