/**
 * A diffusion model through the real handlers: a tiny U-Net trains on 8×8 MNIST (with a sample grid, a PF-ODE test
 * evaluation and a checkpoint), then an OOD job scores the model's own samples (`dgm-generated`) by likelihood.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { DIFFUSION_SPEC_FORMAT } from '@dgm-ood/diffusion';
import { TINY_SPEC } from '../../diffusion/src/unet/test-specs.js';
import { createHarness, isTerminal, type Harness } from '../../../apps/worker/src/testing/harness.js';

const HANDLERS = fileURLToPath(new URL('./handlers.ts', import.meta.url));
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

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
