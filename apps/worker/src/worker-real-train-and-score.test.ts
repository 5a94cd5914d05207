/**
 * The real `train` and `ood` handlers (the catalog's) through workers, at tiny size: a flow trained for 3 epochs
 * with validation after every one, its worker killed with SIGKILL mid-epoch and the job resumed by another
 * worker; then likelihood and LID jobs on 20 points each, evaluated per (model, method, pair).
 */
import { once } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { evaluateSweep } from '@dgm-ood/jobs';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

const HANDLERS = '@dgm-ood/catalog/handlers';
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const TRAIN = {
  data: { dataset: 'mnist', batch_size: 16, training_limit: 64, valid_limit: 32 },
  model: { preset: 'rqnsf-grayscale-cpu', overrides: { hiddenChannels: [8, 8, 16] } },
  trainer: { max_epochs: 3, checkpoint_every_steps: 2, progress_every_steps: 1, test_points: 32, sample_freq: 0, seed: 3 },
};

let trainSweep = '';
let trainJob = '';

test('a tiny flow trains 3 epochs with validation every epoch, surviving a kill -9 mid-epoch', async () => {
  ({ sweepId: trainSweep, jobIds: [trainJob] } = (await h.submit([TRAIN], { kind: 'train' })) as { sweepId: string; jobIds: [string] });
  // Inline, so SIGKILL takes the training with it; a lease long enough for engine start-up on a busy machine.
  const first = h.spawnWorker(['--handlers', HANDLERS, '--isolation', 'inline', '--lock-duration', '10000', '--stalled-interval', '1000']);
  // 4 steps per epoch: step 6 is the middle of the second epoch, and a checkpoint is written every 2 steps.
  // Step 6 reports its progress before it writes its checkpoint; step 7's report proves that checkpoint is saved.
  await h.waitFor(trainJob, (j) => ((j.progress as { step?: number } | null)?.step ?? 0) >= 7, 180_000);
  first.kill('SIGKILL');
  await once(first, 'exit');

  // Handlers in a child process (the default isolation): long tensor work never blocks lock renewal.
  await h.worker({ handlerModules: [HANDLERS], isolation: 'process', lockDurationMs: 5000, stalledIntervalMs: 2000 });
  const job = await h.waitFor(trainJob, isTerminal, 180_000);
  expect(job.error).toBeNull();
  expect(job.state).toBe('succeeded');
  const summary = job.summary as Record<string, unknown>;
  expect(summary).toMatchObject({ family: 'flow', epochs: 3, steps: 12, validatedEpochs: 3, stopReason: 'max_epochs', testPoints: 32, weights: 'raw' });
  const resumedFrom = summary.resumedFrom as { epoch: number; stepInEpoch: number; globalStep: number };
  expect(resumedFrom.globalStep).toBeGreaterThanOrEqual(6);
  expect(resumedFrom.epoch).toBe(1);
  expect(typeof summary.testBitsPerDim).toBe('number');
  const attempts = await h.attempts(trainJob);
  expect(attempts.map((a) => a.outcome)).toEqual(['interrupted', 'succeeded']);
  // The metric series: every step once (the steps redone after the kill replaced theirs), every epoch validated.
  const { rows: series } = await h.pool.query(
    `SELECT name, scope, array_agg(step ORDER BY step) AS steps, array_agg(DISTINCT attempt) AS attempts FROM job_metrics WHERE job_id = $1 GROUP BY name, scope`,
    [trainJob],
  );
  const seriesOf = (name: string, scope: string) => series.find((r) => r.name === name && r.scope === scope);
  expect(seriesOf('nll', 'step')!.steps).toEqual([...Array(12).keys()].map((i) => i + 1));
  expect(seriesOf('bits_per_dim', 'step')!.steps).toHaveLength(12);
  expect(seriesOf('nll', 'step')!.attempts).toEqual([1, 2]);
  expect(seriesOf('valid_nll', 'epoch')!.steps).toEqual([0, 1, 2]);
  expect(seriesOf('valid_bits_per_dim', 'epoch')!.steps).toEqual([0, 1, 2]);
  expect(seriesOf('test_bits_per_dim', 'epoch')!.steps).toEqual([3]);
  // Provenance: the worker's base record plus the datasets the job used, with content hashes.
  const provenance = job.provenance as { family: string; datasets: Array<{ dataset: string; role: string; count: number; sha256: string }> };
  expect(provenance.family).toBe('flow');
  expect(provenance.datasets.map((d) => [d.dataset, d.role, d.count])).toEqual([['mnist', 'train', 64], ['mnist', 'valid', 32], ['mnist', 'test', 32]]);
  expect(provenance.datasets.every((d) => /^[0-9a-f]{64}$/.test(d.sha256))).toBe(true);
}, 400_000);

test('likelihood and LID jobs on 20 points store named scores, evaluated per (model, method, pair)', async () => {
  expect(trainJob).not.toBe('');
  const ood = (method: string, dataset: string) => ({
    base_model: { sweep: trainSweep, job: 0 },
    data: { in_distribution: { dataloader_args: { dataset: 'mnist' } }, out_of_distribution: { dataloader_args: { dataset }, pick_loader: 'test' } },
    ood: { seed: 1, method, points: 20, method_args: { calibration_points: 6, scale_selection_algorithm_args: { lpca_points: 300 } } },
  });
  const configs = [ood('ood.likelihood.Likelihood', 'mnist'), ood('ood.likelihood.Likelihood', 'fashion-mnist'), ood('ood.intrinsic_dimension.LID_OOD', 'mnist'), ood('ood.intrinsic_dimension.LID_OOD', 'fashion-mnist')];
  const { sweepId, jobIds } = await h.submit(configs, { kind: 'ood' });
  for (const id of jobIds) {
    const job = await h.waitFor(id, isTerminal, 300_000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
  }
  const { rows } = await h.pool.query(
    `SELECT j.grid_index, count(*)::int AS n, array_agg(DISTINCT k ORDER BY k) AS names
       FROM point_results r JOIN jobs j ON j.id = r.job_id, jsonb_object_keys(r.scores) AS k
      WHERE j.sweep_id = $1 GROUP BY j.grid_index ORDER BY j.grid_index`,
    [sweepId],
  );
  expect(rows.map((r) => [r.grid_index, r.names])).toEqual([
    [0, ['log_likelihood']], [1, ['log_likelihood']], [2, ['lid', 'log_likelihood']], [3, ['lid', 'log_likelihood']],
  ]);
  const lidJob = await h.job(jobIds[2]!);
  expect(lidJob.summary).toMatchObject({ method: 'lid', family: 'flow', points: 20, estimator: 'exact', calibrationPoints: 6 });
  // One calibration for the model's two LID jobs, through the shared cache (any machine would read it there).
  expect((await h.job(jobIds[3]!)).summary).toMatchObject({ calibratedNow: false, calibrationPoints: 6 });
  expect(lidJob.summary).toMatchObject({ calibratedNow: true });
  const { rows: cache } = await h.pool.query(`SELECT key, job_id FROM shared_cache`);
  expect(cache).toEqual([{ key: expect.stringMatching(/^calibration\/lid\/[0-9a-f]{32}$/), job_id: jobIds[2] }]);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.complete).toBe(true);
  const byMethod = Object.fromEntries(evaluation.rows.map((r) => [r.method, r]));
  expect(evaluation.rows).toHaveLength(2);
  expect(byMethod.likelihood).toMatchObject({ positive: 'test', inDistribution: 'mnist', negative: 'fashion-mnist', positives: 20, negatives: 20 });
  expect(byMethod.likelihood!.positiveJobIds).toEqual([jobIds[0]]);
  expect(byMethod.lid!.positiveJobIds).toEqual([jobIds[2]]);
  expect(byMethod.likelihood!.metrics.map((m) => m.metric)).toEqual(['auc:log_likelihood', 'auc:max']);
  expect(byMethod.lid!.metrics.map((m) => m.metric).sort()).toEqual(['auc:dual:log_likelihood+lid', 'auc:lid', 'auc:log_likelihood', 'auc:max']);
  // Both methods score the same points with the same seeds: the same likelihood AUC.
  const auc = (method: string, metric: string) => byMethod[method]!.metrics.find((m) => m.metric === metric)!.value;
  expect(auc('lid', 'auc:log_likelihood')).toBeCloseTo(auc('likelihood', 'auc:log_likelihood'), 10);
}, 600_000);
