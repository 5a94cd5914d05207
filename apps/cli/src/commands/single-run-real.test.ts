/**
 * The reference's own example: configurations/training/flows/example_grayscale_train.yaml trained here by the
 * catalog's handler on the CPU (wasm), cut by --set to seconds (the recipe of docs/single-runs.md), in local mode;
 * then the reference's LID OOD config run on that model, by its working directory, on two points.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { fileIo } from '../test-io.js';
import { oodCommand, trainCommand } from './single-run.js';

const UPSTREAM = fileURLToPath(new URL('../../../../test/fixtures/upstream/configurations/', import.meta.url));
const TRAIN = join(UPSTREAM, 'training/flows/example_grayscale_train.yaml');
const OOD = join(UPSTREAM, 'ood/flows/lid_ood_1.yaml');

/** docs/single-runs.md: the example in well under a minute on 2 CPU cores. */
const TINY = [
  'data.training_limit=32', 'data.valid_limit=16', 'trainer.test_points=16', 'data.train_batch_size=16',
  'trainer.max_epochs=1', 'trainer.sample_freq=0',
  // The third level's coupling networks: 1024 hidden channels in the example, 64 here.
  'model.init_args.transform.7.content.1.init_args.net.init_args.hidden_channels=64',
  'model.init_args.transform.7.content.3.init_args.net.init_args.hidden_channels=64',
].flatMap((s) => ['--set', s]);

const dir = mkdtempSync(join(tmpdir(), 'cli-single-run-real-'));
beforeAll(() => {
  vi.stubEnv('MODEL_DIR', join(dir, 'models'));
  vi.stubEnv('DGM_OOD_BACKEND', 'wasm');
  vi.stubEnv('DATABASE_URL', 'postgresql://root@127.0.0.1:1/none');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
let workdir = '';

test('the example grayscale flow trains one tiny epoch: summary.json, metrics.csv and checkpoints', async () => {
  const out = join(dir, 'train');
  const io = fileIo();
  const code = await trainCommand.run(['--config', TRAIN, ...TINY, '--out', out], io);
  expect(io.err).not.toMatch(/failed/);
  expect(code).toBe(0);
  const summary = readJson(join(out, 'summary.json'));
  expect(summary).toMatchObject({ kind: 'train', handler: 'train', outcome: 'succeeded', backend: 'wasm', recording: { mode: 'local', reason: 'cannot reach PostgreSQL at postgresql://root@127.0.0.1:1/none (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:1 — start it (docker compose up -d) or fix DATABASE_URL' } });
  expect(summary.runName).toMatch(/^PiecewiseRationalQuadraticCouplingTransform_fashion-mnist_[a-z]+$/);
  expect(summary.config.trainer).toMatchObject({ max_epochs: 1, max_grad_norm: 1, writer: { type: 'wandb' } });
  expect(summary.summary).toMatchObject({ family: 'flow', epochs: 1, steps: 2, stopReason: 'max_epochs', testPoints: 16, validatedEpochs: 1 });
  expect(Number.isFinite(summary.summary.testBitsPerDim)).toBe(true);
  expect(summary.provenance.datasets.map((d: { dataset: string; role: string; count: number }) => [d.dataset, d.role, d.count])).toEqual([
    ['fashion-mnist', 'train', 32], ['fashion-mnist', 'valid', 16], ['fashion-mnist', 'test', 16],
  ]);
  workdir = summary.workdir;
  expect(existsSync(join(workdir, 'checkpoints', 'best_valid.json'))).toBe(true);
  expect(summary.checkpoints.artifacts.map((a: { name: string }) => a.name)).toContain('checkpoints/latest.json');

  // A training run scores no points; its series are the metrics.
  expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe('dataset,split,point_index\n');
  const metrics = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  expect(metrics[0]).toEqual(['name', 'scope', 'step', 'epoch', 'value']);
  const rows = (name: string, scope: string) => metrics.filter((m) => m[0] === name && m[1] === scope);
  expect(rows('nll', 'step').map((m) => m[2])).toEqual(['1', '2']);
  expect(rows('valid_nll', 'epoch').map((m) => m[2])).toEqual(['0']);
  expect(rows('test_bits_per_dim', 'epoch')).toHaveLength(1);
  expect(metrics.slice(1).every((m) => m[4] === '' || Number.isFinite(Number(m[4])))).toBe(true);
  expect(readFileSync(join(out, 'log.jsonl'), 'utf8')).toContain('"message":"epoch 1: train nll');
}, 180_000);

test('the reference LID OOD config scores two MNIST points with that model, named by its working directory', async () => {
  expect(workdir).not.toBe('');
  const out = join(dir, 'ood');
  const io = fileIo();
  const sets = [
    // Relative to MODEL_DIR, as the train run prints it.
    `base_model={directory: ${relative(join(dir, 'models'), workdir)}}`,
    'data.in_distribution.dataloader_args.dataset=fashion-mnist', 'data.out_of_distribution.dataloader_args.dataset=mnist',
    // pick_count batches of the OOD loader are scored; training_buffer_size batches of the training loader calibrate.
    'ood.pick_count=1', 'data.out_of_distribution.dataloader_args.test_batch_size=2',
    'ood.method_args.training_buffer_size=1', 'data.in_distribution.dataloader_args.train_batch_size=2',
    'ood.method_args.lid_calculator_args.ambient_dim=784',
  ].flatMap((s) => ['--set', s]);
  const code = await oodCommand.run(['--config', OOD, ...sets, '--local', '--out', out], io);
  expect(io.err).not.toMatch(/failed/);
  expect(code).toBe(0);
  const summary = readJson(join(out, 'summary.json'));
  expect(summary.summary).toMatchObject({ method: 'lid', family: 'flow', dataset: 'mnist', split: 'test', points: 2, calibrationPoints: 2 });
  const lines = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
  expect(lines[0]).toBe('dataset,split,point_index,log_likelihood,lid');
  expect(lines.slice(1).map((l) => l.split(',').slice(0, 3))).toEqual([['mnist', 'test', '0'], ['mnist', 'test', '1']]);
  for (const line of lines.slice(1)) {
    const [, , , logLikelihood, lid] = line.split(',').map(Number);
    expect(Number.isFinite(logLikelihood)).toBe(true);
    expect(lid).toBeGreaterThanOrEqual(0);
    expect(lid).toBeLessThanOrEqual(784);
  }
}, 180_000);
