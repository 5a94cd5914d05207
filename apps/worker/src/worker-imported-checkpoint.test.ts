/**
 * An OOD sweep on a reference PyTorch checkpoint, named as the reference's OOD configs name their models
 * (`base_model.checkpoint_dir` and `config_dir`, relative to MODEL_DIR): imported on the worker, scored, evaluated
 * and the evaluation stored. A job whose checkpoint is missing fails at once, naming the path it looked for.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { evaluateSweep } from '@dgm-ood/jobs';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

const HANDLERS = '@dgm-ood/catalog/handlers';
// A 1×28×28 flow of the reference's layout saved by torch (packages/flows/scripts/make-import-fixtures.py).
const RUN = fileURLToPath(new URL('../../../packages/flows/src/__fixtures__/import/reference-run', import.meta.url));
const RUN_DIR = 'checkpoints-fixture/AffineCouplingTransform_fashion-mnist_fixture_final';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
  mkdirSync(join(h.config.modelDir, RUN_DIR), { recursive: true });
  cpSync(RUN, join(h.config.modelDir, RUN_DIR), { recursive: true });
});
afterAll(async () => h?.close());

const ood = (dataset: string, checkpoint = `${RUN_DIR}/checkpoints/de_nf_best_valid.pt`) => ({
  base_model: { config_dir: `${RUN_DIR}/run_config.json`, checkpoint_dir: checkpoint },
  data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { dataloader_args: { dataset }, pick_loader: 'test' } },
  ood: { seed: 1, method: 'ood.likelihood.Likelihood', points: 20 },
});

test('likelihood jobs on an imported reference checkpoint score, evaluate and store their evaluation', async () => {
  const { sweepId, jobIds } = await h.submit([ood('fashion-mnist'), ood('mnist')], { kind: 'ood' });
  await h.worker({ handlerModules: [HANDLERS], isolation: 'inline' });
  for (const id of jobIds) {
    const job = await h.waitFor(id, isTerminal, 240_000);
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(job.summary).toMatchObject({ method: 'likelihood', family: 'flow', points: 20 });
    // Provenance names the file and its hash, and what the importer loaded.
    const imported = (job.provenance as { importedCheckpoints: Record<string, { path: string; sha256: string; report: Record<string, unknown> }> }).importedCheckpoints.base_model!;
    expect(imported.path).toBe(join(h.config.modelDir, RUN_DIR, 'checkpoints/de_nf_best_valid.pt'));
    expect(imported.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(imported.report).toMatchObject({ prefix: 'module_state_dict._nflow._transform._transforms.1.', dataRange: { min: 0, max: 255 } });
  }
  const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM point_results r JOIN jobs j ON j.id = r.job_id WHERE j.sweep_id = $1 AND (r.scores ? 'log_likelihood')`, [sweepId]);
  expect(rows[0].n).toBe(40);
  const evaluation = await evaluateSweep(h.pool, sweepId);
  expect(evaluation.complete).toBe(true);
  expect(evaluation.rows).toHaveLength(1);
  expect(evaluation.rows[0]).toMatchObject({ method: 'likelihood', inDistribution: 'fashion-mnist', negative: 'mnist', positives: 20, negatives: 20 });
  const auc = evaluation.rows[0]!.metrics.find((m) => m.metric === 'auc:log_likelihood')!.value;
  expect(auc).toBeGreaterThanOrEqual(0);
  expect(auc).toBeLessThanOrEqual(1);
  const { rows: stored } = await h.pool.query(`SELECT metric, value FROM evaluations WHERE sweep_id = $1 ORDER BY metric`, [sweepId]);
  expect(stored.map((r) => r.metric)).toContain('auc:log_likelihood');
  expect(stored.find((r) => r.metric === 'auc:log_likelihood')!.value).toBeCloseTo(auc, 12);
}, 400_000);

test('a missing checkpoint fails the job at once, naming the path looked for', async () => {
  const { jobIds } = await h.submit([ood('mnist', `${RUN_DIR}/checkpoints/de_nf_latest.pt`)], { kind: 'ood', maxAttempts: 3 });
  if (!(await h.job(jobIds[0]!)).state) throw new Error('job not stored');
  const job = await h.waitFor(jobIds[0]!, isTerminal, 120_000);
  expect(job.state).toBe('failed');
  expect(job.error).toContain(`config base_model.checkpoint_dir (MODEL_DIR ${h.config.modelDir}): no checkpoint file at ${join(h.config.modelDir, RUN_DIR, 'checkpoints/de_nf_latest.pt')}`);
  // Deterministic: one attempt, no retry.
  expect((await h.attempts(jobIds[0]!)).map((a) => a.outcome)).toEqual(['failed']);
}, 200_000);
