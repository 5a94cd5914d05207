/**
 * The baselines through the real handlers: a tiny flow trains on MNIST (and a background flow of the same
 * architecture on perturbed MNIST), then input-complexity and likelihood-ratio jobs score MNIST test (in
 * distribution) and Fashion-MNIST, and the sweep evaluation pairs them per score.
 */
import { fileURLToPath } from 'node:url';
import { evaluateSweep } from '@dgm-ood/jobs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from '../../../apps/worker/src/testing/harness.js';
import { pairJobs, upstreamJobs, valueOf, withKey } from '../../../test/fixtures/upstream-jobs.js';

const HANDLERS = fileURLToPath(new URL('./handlers.ts', import.meta.url));
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());
let trainSweep = '';
let trainJobs: string[] = [];

test('input complexity on a trained flow: ℓ + L, ℓ in bits and L per point in Postgres, evaluated per score', async () => {
  await h.worker({ handlerModules: [HANDLERS] });
  const flow = (overrides: Record<string, unknown>) => ({
    data: { dataset: 'mnist', batch_size: 16, training_limit: 64, valid_limit: 16 },
    model: { preset: 'rqnsf-grayscale-cpu', overrides: { hiddenChannels: [8, 8, 16], ...overrides } },
    trainer: { max_epochs: 1, test_points: 16, sample_freq: 0, seed: 3 },
  });
  // The main flow, and the background flow of Ren et al.: 30% of the pixels replaced, tail bound 1.
  ({ sweepId: trainSweep, jobIds: trainJobs } = await h.submit([flow({}), flow({ tailBound: 1, dataTransform: { backgroundAugmentation: 0.3 } })], { kind: 'train' }));
  for (const id of trainJobs) expect((await h.waitFor(id, isTerminal, 180_000)).state).toBe('succeeded');

  const ood = (dataset: string) => ({
    base_model: { sweep: trainSweep, job: 0 },
    data: { in_distribution: { dataloader_args: { dataset: 'mnist' } }, out_of_distribution: { dataloader_args: { dataset }, pick_loader: 'test' } },
    ood: { seed: 100, method: 'ood.baselines.CompelxityBased', points: 12, method_args: { compression_type: 'ensemble' } },
  });
  const { sweepId, jobIds } = await h.submit([ood('mnist'), ood('fashion-mnist')], { kind: 'ood' });
  for (const id of jobIds) {
    const job = await h.waitFor(id, isTerminal, 180_000);
    expect(job.error).toBeNull();
    expect(job.summary).toMatchObject({ method: 'complexity', family: 'flow', points: 12, codecs: ['png', 'jpeg'], dequantization: 'midpoint' });
  }
  const { rows } = await h.pool.query(`SELECT r.scores FROM point_results r WHERE r.job_id = $1 ORDER BY r.point_index`, [jobIds[0]]);
  expect(rows).toHaveLength(12);
  for (const { scores } of rows as Array<{ scores: Record<string, number> }>) {
    expect(Object.keys(scores).sort()).toEqual(['complexity_bits', 'input_complexity', 'log_likelihood_bits']);
    // L is 8 × a whole number of bytes; the score is their sum.
    expect(scores.complexity_bits! % 8).toBe(0);
    expect(scores.input_complexity).toBeCloseTo(scores.log_likelihood_bits! + scores.complexity_bits!, 6);
  }
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.complete).toBe(true);
  expect(evaluation.rows).toHaveLength(1);
  expect(evaluation.rows[0]).toMatchObject({ method: 'complexity', inDistribution: 'mnist', negative: 'fashion-mnist', positives: 12, negatives: 12 });
  expect(evaluation.rows[0]!.metrics.map((m) => m.metric).sort()).toEqual(['auc:complexity_bits', 'auc:input_complexity', 'auc:log_likelihood_bits', 'auc:max']);
}, 400_000);

test('the likelihood ratio: log p − log p_background per point, both models deterministic, evaluated per score', async () => {
  expect(trainJobs).toHaveLength(2);
  const ood = (dataset: string) => ({
    base_model: { sweep: trainSweep, job: 0 },
    data: { in_distribution: { dataloader_args: { dataset: 'mnist' } }, out_of_distribution: { dataloader_args: { dataset }, pick_loader: 'test' } },
    ood: { seed: 100, method: 'ood.baselines.LikelihoodRatio', points: 10, method_args: { reference_model_config: { sweep: trainSweep, job: 1 } } },
  });
  const { sweepId, jobIds } = await h.submit([ood('mnist'), ood('fashion-mnist')], { kind: 'ood' });
  for (const id of jobIds) {
    const job = await h.waitFor(id, isTerminal, 180_000);
    expect(job.error).toBeNull();
    expect(job.summary).toMatchObject({ method: 'likelihood-ratio', family: 'flow', points: 10, dequantization: 'midpoint' });
    expect(Object.keys((job.provenance as { otherModels: Record<string, unknown> }).otherModels)).toEqual(['background']);
  }
  const { rows } = await h.pool.query(`SELECT r.scores FROM point_results r WHERE r.job_id = $1 ORDER BY r.point_index`, [jobIds[1]]);
  expect(rows).toHaveLength(10);
  const lls = new Set<number>();
  for (const { scores } of rows as Array<{ scores: Record<string, number> }>) {
    expect(scores.likelihood_ratio).toBeCloseTo(scores.log_likelihood! - scores.background_log_likelihood!, 6);
    // Two different models: the background's log-likelihood is not the main one's.
    expect(Math.abs(scores.likelihood_ratio!)).toBeGreaterThan(1e-3);
    lls.add(scores.log_likelihood!);
  }
  expect(lls.size).toBe(10);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.rows[0]!.metrics.map((m) => m.metric).sort()).toEqual(['auc:background_log_likelihood', 'auc:likelihood_ratio', 'auc:log_likelihood', 'auc:max']);
}, 400_000);

test("the reference's complexity and likelihood-ratio sweeps, their FMNIST jobs cut by config keys to our tiny flows and 10 points, to a stored evaluation", async () => {
  expect(trainJobs).toHaveLength(2);
  const cut = (config: Parameters<typeof withKey>[0]) => withKey(withKey(config, 'base_model', { sweep: trainSweep, job: 0 }), 'ood.points', 10);
  const complexity = pairJobs(upstreamJobs('ood/complexity/grayscale_complexity.yaml'), 'fashion-mnist', 'mnist').map(cut);
  const ratios = pairJobs(upstreamJobs('ood/ratios/grayscale_ratios.yaml'), 'fashion-mnist', 'mnist').map((j) => withKey(cut(j), 'ood.method_args.reference_model_config', { sweep: trainSweep, job: 1 }));
  const { sweepId, jobIds } = await h.submit([...complexity, ...ratios], { kind: 'ood' });
  for (const id of jobIds) expect((await h.waitFor(id, isTerminal, 180_000)).error).toBeNull();
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.complete).toBe(true);
  expect(evaluation.rows.map((r) => [r.method, r.inDistribution, r.negative, r.positives, r.negatives]).sort()).toEqual([
    ['complexity', 'fashion-mnist', 'mnist', 10, 10],
    ['likelihood-ratio', 'fashion-mnist', 'mnist', 10, 10],
  ]);
  const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM evaluations WHERE sweep_id = $1`, [sweepId]);
  expect(rows[0].n).toBeGreaterThan(0);
}, 400_000);

test("a reference job whose dataset files are absent (omniglot, not offline here) fails at once, naming where it looked", async () => {
  expect(trainJobs).toHaveLength(2);
  const jobs = upstreamJobs('ood/complexity/grayscale_complexity.yaml').filter(
    (j) => valueOf(j, 'data.in_distribution.dataloader_args.dataset') === 'fashion-mnist' && valueOf(j, 'data.out_of_distribution.dataloader_args.dataset') === 'omniglot',
  );
  expect(jobs).toHaveLength(1);
  const config = withKey(withKey(jobs[0]!, 'base_model', { sweep: trainSweep, job: 0 }), 'ood.points', 10);
  const { jobIds } = await h.submit([config], { kind: 'ood' });
  const failed = await h.waitFor(jobIds[0]!, isTerminal, 120_000);
  expect(failed.state).toBe('failed');
  expect(failed.attempts).toBe(1);
  expect(String(failed.error)).toMatch(/omniglot/);
  expect(String(failed.error)).toMatch(/looked in|tried|searched/);
}, 200_000);
