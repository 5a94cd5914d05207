/**
 * A diffusion model through the real handlers: a tiny U-Net trains on 8×8 MNIST (with a sample grid, a PF-ODE test
 * evaluation and a checkpoint), then an OOD job scores the model's own samples (`dgm-generated`) by likelihood, and
 * the diffusion LID methods (FLIPD, normal bundle) and the score-norm ablation score MNIST and Fashion-MNIST, which
 * the sweep evaluation pairs.
 */
import { fileURLToPath } from 'node:url';
import { evaluateSweep, type JsonValue } from '@dgm-ood/jobs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DIFFUSION_SPEC_FORMAT } from '@dgm-ood/diffusion';
import { TINY_SPEC } from '../../diffusion/src/unet/test-specs.js';
import { pairJobs, upstreamJobs, withKey } from '../../../test/fixtures/upstream-jobs.js';
import { createHarness, isTerminal, type Harness } from '../../../apps/worker/src/testing/harness.js';

const HANDLERS = fileURLToPath(new URL('./handlers.ts', import.meta.url));
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());
let trainSweepId = '';

test('a tiny diffusion model trains, samples, and its samples are scored as dgm-generated', async () => {
  await h.worker({ handlerModules: [HANDLERS] });
  const model = {
    format: DIFFUSION_SPEC_FORMAT,
    dataShape: [1, 8, 8],
    dataTransform: { dequantize: true, dataMin: 0, dataMax: 255, clampSamples: false },
    sde: { type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 },
    network: { type: 'unet2d', ...TINY_SPEC },
    seed: 1,
  };
  const { sweepId: trainSweep, jobIds: [trainJob] } = await h.submit(
    [
      {
        data: { dataset: 'mnist', batch_size: 32, training_limit: 96, valid_limit: 32, additional_dataset_args: { resize_image: [8, 8] } },
        model,
        trainer: { max_epochs: 1, sample_freq: 1, test_points: 16, optimizer: { init_args: { lr: 1e-3 } }, test_evaluation: { points: 8, batch_size: 8, solver: 'euler', steps: 5 } },
      },
    ],
    { kind: 'train' },
  );
  trainSweepId = trainSweep;
  const trained = await h.waitFor(trainJob!, isTerminal, 180_000);
  expect(trained.error).toBeNull();
  expect(trained.summary).toMatchObject({ family: 'diffusion', epochs: 1, steps: 3, parameters: 44_969 });
  const evaluation = (trained.summary as { testEvaluation: { name: string; points: number; metrics: { bits_per_dim: number }; settings: { solver: string } } }).testEvaluation;
  expect(evaluation).toMatchObject({ name: 'pf_ode_logp', points: 8, settings: { solver: 'euler', steps: 5, eps: 0.01 } });
  expect(Number.isFinite(evaluation.metrics.bits_per_dim)).toBe(true);
  const { rows: samples } = await h.pool.query(`SELECT name FROM artifacts WHERE job_id = $1 AND kind = 'samples'`, [trainJob]);
  expect(samples.map((r) => r.name)).toEqual(['samples/epoch-001.png']);

  const { jobIds: [oodJob] } = await h.submit(
    [
      {
        base_model: { sweep: trainSweep, job: 0 },
        data: {
          in_distribution: { dataloader_args: { dataset: 'mnist' } },
          out_of_distribution: { dataloader_args: { dataset: 'dgm-generated', dgm_args: { model_loading_config: { sweep: trainSweep, job: 0 }, seed: 10, length: 6 } } },
        },
        ood: { seed: 3, method: 'ood.likelihood.Likelihood', points: 6 },
      },
    ],
    { kind: 'ood' },
  );
  const scored = await h.waitFor(oodJob!, isTerminal, 180_000);
  expect(scored.error).toBeNull();
  const { rows } = await h.pool.query(`SELECT scores FROM point_results WHERE job_id = $1`, [oodJob]);
  expect(rows).toHaveLength(6);
  for (const { scores } of rows) expect(Number.isFinite(scores.log_likelihood)).toBe(true);
}, 400_000);

test('FLIPD, normal-bundle and score-norm jobs score named points that the sweep evaluation pairs with the likelihood', async () => {
  expect(trainSweepId).not.toBe('');
  const small = { additional_dataset_args: { resize_image: [8, 8] } };
  const job = (dataset: string, method: string, args: Record<string, unknown>) => ({
    base_model: { sweep: trainSweepId, job: 0 },
    data: {
      in_distribution: { dataloader_args: { dataset: 'mnist', ...small } },
      out_of_distribution: { dataloader_args: { dataset, ...small }, pick_loader: 'test' },
    },
    ood: { seed: 5, method, points: 4, method_args: { likelihood_computation_args: { steps: 4, eps: 0.01, trace_calculation_kwargs: { method: 'hutchinson_rademacher', sample_count: 2 } }, ...args } },
  });
  const flipd = { lid_calculator_args: { noise_time: 0.05 }, probes: 2 };
  const bundle = { lid_calculator_class: 'lid.diffusions.NormalBundleLIDEstimator', lid_calculator_args: { noise_time: 0.01, num_scores: 48, chunk_size: 16 }, calibration_points: 3, scale_selection_algorithm_args: { model_free_dimension: 20, bin_search_steps: 30 } };
  const configs = [
    job('mnist', 'ood.intrinsic_dimension.LID_OOD', flipd),
    job('fashion-mnist', 'ood.intrinsic_dimension.LID_OOD', flipd),
    job('mnist', 'ood.intrinsic_dimension.LID_OOD', bundle),
    job('mnist', 'ood.methods.intrinsic_dimension.diffusion_method.DiffusionScoreNormVsLikelihoodOODDetection', { log_prob_kwargs: { steps: 4 } }),
  ];
  const { sweepId, jobIds } = await h.submit(configs, { kind: 'ood' });
  for (const id of jobIds) {
    const done = await h.waitFor(id, isTerminal, 240_000);
    expect(done.error).toBeNull();
  }
  expect((await h.job(jobIds[0]!)).summary).toMatchObject({ method: 'diffusion-lid', family: 'diffusion', estimator: 'flipd', t0: 0.05, trace: { hutchinson: 2 }, likelihood: { solver: 'euler', steps: 4, probes: 2 } });
  expect((await h.job(jobIds[2]!)).summary).toMatchObject({ method: 'diffusion-lid', estimator: 'normal_bundle', numScores: 48, calibrationPoints: 3, target: { dimension: 20, source: 'config' } });
  const { rows } = await h.pool.query(
    `SELECT j.grid_index, array_agg(DISTINCT k ORDER BY k) AS names, count(DISTINCT r.point_index)::int AS points
       FROM point_results r JOIN jobs j ON j.id = r.job_id, jsonb_object_keys(r.scores) AS k
      WHERE j.sweep_id = $1 GROUP BY j.grid_index ORDER BY j.grid_index`,
    [sweepId],
  );
  expect(rows.map((r) => [r.grid_index, r.names, r.points])).toEqual([
    [0, ['lid', 'log_likelihood'], 4], [1, ['lid', 'log_likelihood'], 4], [2, ['lid', 'log_likelihood'], 4], [3, ['log_likelihood', 'score_norm'], 4],
  ]);
  const { rows: lids } = await h.pool.query(`SELECT (scores->>'lid')::float AS lid FROM point_results r JOIN jobs j ON j.id = r.job_id WHERE j.sweep_id = $1 AND j.grid_index = 2`, [sweepId]);
  // A count of singular values: an integer between 0 and D = 64.
  for (const { lid } of lids) expect(Number.isInteger(lid) && lid >= 0 && lid <= 64).toBe(true);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  const flipdRow = evaluation.rows.find((r) => r.method === 'diffusion-lid' && r.negative === 'fashion-mnist');
  expect(flipdRow).toMatchObject({ inDistribution: 'mnist', positives: 4, negatives: 4 });
  expect(flipdRow!.metrics.map((m) => m.metric).sort()).toEqual(['auc:dual:log_likelihood+lid', 'auc:lid', 'auc:log_likelihood', 'auc:max']);
}, 600_000);

test('CCLR (every φ of the job as its own score) and the average-loss trend on the trained model, evaluated with auc:max over φ', async () => {
  expect(trainSweepId).not.toBe('');
  const small = { additional_dataset_args: { resize_image: [8, 8] } };
  const job = (dataset: string, method: string, args: { [key: string]: JsonValue }) => ({
    base_model: { sweep: trainSweepId, job: 0 },
    data: { in_distribution: { dataloader_args: { dataset: 'mnist', ...small } }, out_of_distribution: { dataloader_args: { dataset, ...small }, pick_loader: 'test' } },
    ood: { seed: 7, method, points: 3, method_args: args },
  });
  const cclr = { t_fracs: [0.25, 0.5], num_samples: 8 };
  const { sweepId, jobIds } = await h.submit(
    [job('mnist', 'ood.likelihood_ratio.DiffusionCCLR', cclr), job('fashion-mnist', 'ood.likelihood_ratio.DiffusionCCLR', cclr), job('mnist', 'ood.likelihood_ratio.AvgLossTrend', { t_frac_count: 3, num_samples: 4 })],
    { kind: 'ood' },
  );
  for (const id of jobIds) expect((await h.waitFor(id, isTerminal, 240_000)).error).toBeNull();
  expect((await h.job(jobIds[0]!)).summary).toMatchObject({ method: 'cclr', family: 'diffusion', fractions: [0.25, 0.5], draws: 8 });
  const { rows } = await h.pool.query(`SELECT scores FROM point_results WHERE job_id = $1 ORDER BY point_index`, [jobIds[0]]);
  expect(rows.map((r) => Object.keys(r.scores).sort())).toEqual(Array(3).fill(['avg_loss_1', 'cclr_0_25', 'cclr_0_5']));
  for (const { scores } of rows) expect(Object.values(scores as Record<string, number>).every(Number.isFinite)).toBe(true);
  const { rows: trend } = await h.pool.query(`SELECT scores FROM point_results WHERE job_id = $1`, [jobIds[2]]);
  expect(Object.keys(trend[0].scores).sort()).toEqual(['avg_loss_00', 'avg_loss_01', 'avg_loss_02']);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  const row = evaluation.rows.find((r) => r.method === 'cclr');
  expect(row).toMatchObject({ inDistribution: 'mnist', negative: 'fashion-mnist', positives: 3, negatives: 3 });
  const metrics = Object.fromEntries(row!.metrics.map((m) => [m.metric, m.value]));
  expect(Object.keys(metrics).sort()).toEqual(['auc:avg_loss_1', 'auc:cclr_0_25', 'auc:cclr_0_5', 'auc:max']);
}, 600_000);

test('reconstruction (degrade and denoise): z-scored l2 and SSIM per point; an LPIPS weights file missing on the worker fails the job naming it', async () => {
  expect(trainSweepId).not.toBe('');
  const small = { additional_dataset_args: { resize_image: [8, 8] } };
  const job = (dataset: string, args: { [key: string]: JsonValue }) => ({
    base_model: { sweep: trainSweepId, job: 0 },
    data: { in_distribution: { dataloader_args: { dataset: 'mnist', ...small } }, out_of_distribution: { dataloader_args: { dataset, ...small }, pick_loader: 'test' } },
    ood: { seed: 9, method: 'ood.reconstruction.DegradeDenoise', points: 2, method_args: { num_time_steps: 2, steps: 2, calibration_points: 3, ...args } },
  });
  const metrics = { methods_to_include: ['l2', 'ssim'] };
  const { sweepId, jobIds } = await h.submit([job('mnist', metrics), job('fashion-mnist', metrics), job('mnist', { methods_to_include: ['l2', 'lpips'], lpips_weights: { lpips: 'nowhere/lpips.pth' } })], { kind: 'ood' });
  for (const id of jobIds.slice(0, 2)) expect((await h.waitFor(id, isTerminal, 240_000)).error).toBeNull();
  expect((await h.job(jobIds[0]!)).summary).toMatchObject({ method: 'reconstruction', levels: 2, steps: 2, metrics: ['l2', 'ssim'], calibrationPoints: 3 });
  const { rows } = await h.pool.query(`SELECT scores FROM point_results WHERE job_id = $1`, [jobIds[1]]);
  expect(rows.map((r) => Object.keys(r.scores).sort())).toEqual(Array(2).fill(['reconstruction', 'reconstruction_l2', 'reconstruction_ssim']));
  const failed = await h.waitFor(jobIds[2]!, isTerminal, 240_000);
  expect(failed.state).toBe('failed');
  expect(String(failed.error)).toMatch(/config ood\.method_args\.lpips_weights: .*nowhere\/lpips\.pth/);
  expect(failed.attempts).toBe(1);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  const row = evaluation.rows.find((r) => r.method === 'reconstruction');
  expect(row!.metrics.map((m) => m.metric).sort()).toEqual(['auc:max', 'auc:reconstruction', 'auc:reconstruction_l2', 'auc:reconstruction_ssim']);
}, 600_000);

test("the reference's CCLR and reconstruction sweeps, their FMNIST jobs cut by config keys to the tiny model, to a stored evaluation", async () => {
  expect(trainSweepId).not.toBe('');
  const cut = (config: Parameters<typeof withKey>[0]) => {
    let c = withKey(config, 'base_model', { sweep: trainSweepId, job: 0 });
    for (const side of ['in_distribution', 'out_of_distribution']) c = withKey(c, `data.${side}.dataloader_args.additional_dataset_args`, { resize_image: [8, 8] });
    return withKey(c, 'ood.points', 3);
  };
  const cclr = pairJobs(upstreamJobs('ood/ratios/grayscale_diffusion_ratio.yaml'), 'fashion-mnist', 'mnist').map((j) => withKey(cut(j), 'ood.method_args.num_samples', 8));
  const reconstruction = pairJobs(upstreamJobs('ood/reconstruction_based/grayscale_degrade_denoise.yaml'), 'fashion-mnist', 'mnist').map((j) => {
    let c = cut(j);
    for (const [key, value] of [['methods_to_include', ['l2']], ['num_time_steps', 2], ['steps', 2], ['calibration_points', 3]] as const) c = withKey(c, `ood.method_args.${key}`, value as JsonValue);
    return c;
  });
  const { sweepId, jobIds } = await h.submit([...cclr, ...reconstruction], { kind: 'ood' });
  for (const id of jobIds) expect((await h.waitFor(id, isTerminal, 240_000)).error).toBeNull();
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.complete).toBe(true);
  expect(evaluation.rows.map((r) => [r.method, r.inDistribution, r.negative, r.positives]).sort()).toEqual([
    ['cclr', 'fashion-mnist', 'mnist', 3],
    ['reconstruction', 'fashion-mnist', 'mnist', 3],
  ]);
  // The reference's sweep names one φ per job: that φ's score.
  const fraction = (cclr[0]!.ood as { method_args: { t_frac: number } }).method_args.t_frac;
  expect(evaluation.rows.find((r) => r.method === 'cclr')!.metrics.map((m) => m.metric)).toContain(`auc:cclr_${String(fraction).replace('.', '_')}`);
}, 600_000);
