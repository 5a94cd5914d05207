/**
 * Adding a family and a method is one registration each: a test-only family (pixel-wise Gaussian) and a
 * test-only method (bits/dim, lower = in-distribution) run through the real train and ood handlers, and the
 * evaluation reads the new score's direction from the method's schema.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { evaluateSweep } from '@dgm-ood/jobs';
import { createHarness, isTerminal, type Harness } from '../../../apps/worker/src/testing/harness.js';

const HANDLERS = fileURLToPath(new URL('./testing/extended-handlers.ts', import.meta.url));
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('a new family trains and a new method scores through the generic handlers', async () => {
  await h.worker({ handlerModules: [HANDLERS] });
  const { sweepId: trainSweep, jobIds: [trainJob] } = await h.submit(
    [{ data: { dataset: 'mnist', batch_size: 32, training_limit: 128, valid_limit: 64 }, model: { class_path: 'test.PixelGaussian' }, trainer: { max_epochs: 2, test_points: 64, sample_freq: 1, optimizer: { init_args: { lr: 0.05 } }, test_evaluation: { points: 48, batch_size: 20 } } }],
    { kind: 'train' },
  );
  const trained = await h.waitFor(trainJob!, isTerminal, 120_000);
  expect(trained.error).toBeNull();
  expect(trained.summary).toMatchObject({ family: 'pixel-gaussian', epochs: 2, validatedEpochs: 2, parameters: 2 * 784 });
  // The family's test evaluation ran on the first 48 test images (3 batches) and agrees with the test loss's bits/dim.
  const testEvaluation = (trained.summary as { testEvaluation: { name: string; points: number; mean: number; metrics: { bits_per_dim: number } } }).testEvaluation;
  expect(testEvaluation).toMatchObject({ name: 'log_p', points: 48, settings: {} });
  expect(Math.abs(testEvaluation.metrics.bits_per_dim - (trained.summary as { testBitsPerDim: number }).testBitsPerDim)).toBeLessThan(0.3);
  const { rows: samples } = await h.pool.query(`SELECT name FROM artifacts WHERE job_id = $1 AND kind = 'samples' ORDER BY name`, [trainJob]);
  expect(samples.map((r) => r.name)).toEqual(['samples/epoch-001.png', 'samples/epoch-002.png']);

  const ood = (method: string, dataset: string) => ({
    base_model: { sweep: trainSweep, job: 0 },
    data: { in_distribution: { dataloader_args: { dataset: 'mnist' } }, out_of_distribution: { dataloader_args: { dataset } } },
    ood: { seed: 3, method, points: 10 },
  });
  const { sweepId, jobIds } = await h.submit([ood('test.BitsPerDim', 'mnist'), ood('test.BitsPerDim', 'fashion-mnist'), ood('ood.intrinsic_dimension.LID_OOD', 'mnist')], { kind: 'ood' });
  for (const id of jobIds.slice(0, 2)) expect((await h.waitFor(id, isTerminal, 120_000)).state).toBe('succeeded');
  // LID needs the decoder's Jacobian spectrum, which this family does not offer: a deterministic failure naming both.
  const lid = await h.waitFor(jobIds[2]!, isTerminal, 120_000);
  expect(lid.state).toBe('failed');
  expect(lid.attempts).toBe(1);
  // Both methods answering to LID_OOD (flows' and diffusion's) are named with what they need.
  expect(lid.error).toMatch(
    /config ood\.method: ood\.intrinsic_dimension\.LID_OOD cannot run on a pixel-gaussian model \(lid needs jacobianSpectrum; diffusion-lid needs flipd, normalBundleSpectrum, which the pixel-gaussian family does not offer\)/,
  );

  const { rows } = await h.pool.query(`SELECT DISTINCT jsonb_object_keys(scores) AS name FROM point_results r JOIN jobs j ON j.id = r.job_id WHERE j.sweep_id = $1`, [sweepId]);
  expect(rows.map((r) => r.name)).toEqual(['bits_per_dim']);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.rows).toHaveLength(1);
  expect(evaluation.rows[0]).toMatchObject({ method: 'bits-per-dim', negative: 'fashion-mnist', positives: 10, negatives: 10 });
  expect(evaluation.rows[0]!.metrics.map((m) => m.metric)).toEqual(['auc:bits_per_dim', 'auc:max']);
}, 300_000);
