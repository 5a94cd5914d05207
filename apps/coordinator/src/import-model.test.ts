/**
 * POST /models/import: a reference PyTorch checkpoint and its run_config.json uploaded (streamed, size-limited),
 * registered as an imported training job, converted by a worker, then scored by an OOD sweep that references it
 * as {sweep, job}; bad uploads are refused with the reason.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { evaluateSweep } from '@dgm-ood/jobs';
import { createCoordinatorHarness, startFixtureWorker, type CoordinatorHarness } from './testing/harness.js';

const RUN = fileURLToPath(new URL('../../../packages/flows/src/__fixtures__/import/reference-run/', import.meta.url));
const CHECKPOINT = readFileSync(join(RUN, 'checkpoints/de_nf_best_valid.pt'));
const RUN_CONFIG = readFileSync(join(RUN, 'run_config.json'), 'utf8');

const BOUNDARY = 'dgmoodimport';
function multipart(parts: Array<{ name: string; filename?: string; body: Buffer | string }>): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const type = p.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(chunks);
}

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  // The directory artifact store writes under MODEL_DIR: a throw-away one.
  h.config.modelDir = mkdtempSync(join(tmpdir(), 'dgm-import-models-'));
});
afterAll(async () => h?.close());

const post = (payload: Buffer) =>
  h.app.inject({ method: 'POST', url: '/models/import', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, payload });

describe('POST /models/import', () => {
  test('refuses what is not a torch.save file, a config no family builds, and a file over the limit', async () => {
    const notTorch = await post(multipart([{ name: 'config', filename: 'run_config.json', body: RUN_CONFIG }, { name: 'checkpoint', filename: 'x.pt', body: 'hello' }]));
    expect(notTorch.statusCode).toBe(400);
    expect(notTorch.json()).toMatchObject({ code: 'DGM_IMPORT_INVALID', message: expect.stringContaining('checkpoint x.pt: not a torch.save file (it starts with 68656c6c') });

    const vae = JSON.stringify({ model: { class_path: 'model_zoo.density_estimator.vae.VAE', init_args: {} } });
    const noFamily = await post(multipart([{ name: 'config', filename: 'run_config.json', body: vae }, { name: 'checkpoint', filename: 'm.pt', body: CHECKPOINT }]));
    expect(noFamily.statusCode).toBe(400);
    expect(noFamily.json().message).toMatch(/^config run_config\.json: .*no registered model family builds this model/);

    const noConfig = await post(multipart([{ name: 'checkpoint', filename: 'm.pt', body: CHECKPOINT }]));
    expect(noConfig.json()).toMatchObject({ code: 'DGM_IMPORT_INVALID', message: expect.stringContaining('no config') });

    const limit = h.config.importMaxBytes;
    h.config.importMaxBytes = 1000;
    try {
      const large = await post(multipart([{ name: 'config', filename: 'run_config.json', body: RUN_CONFIG }, { name: 'checkpoint', filename: 'big.pt', body: CHECKPOINT }]));
      expect(large.statusCode).toBe(413);
      expect(large.json()).toMatchObject({ code: 'DGM_IMPORT_TOO_LARGE', message: 'checkpoint big.pt is larger than the import limit of 1000 bytes (DGM_OOD_IMPORT_MAX_BYTES)' });
    } finally {
      h.config.importMaxBytes = limit;
    }
    const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM sweeps');
    expect(rows[0].n).toBe(0);
  });

  test('an upload becomes an imported training job a worker converts; an OOD sweep then scores with it as {sweep, job}', async () => {
    const res = await post(
      multipart([
        { name: 'name', body: 'reference-fmnist' },
        { name: 'config', filename: 'run_config.json', body: RUN_CONFIG },
        { name: 'checkpoint', filename: 'de_nf_best_valid.pt', body: CHECKPOINT },
      ]),
    );
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ sweep: 'reference-fmnist', job: 'de_nf_best_valid', bytes: CHECKPOINT.length, reference: { sweep: 'reference-fmnist', job: 'de_nf_best_valid' } });
    const { rows: artifacts } = await h.pool.query('SELECT name, kind, bytes FROM artifacts WHERE job_id = $1', [created.jobId]);
    expect(artifacts).toEqual([{ name: 'imported/checkpoint.pt', kind: 'imported', bytes: String(CHECKPOINT.length) }]);

    const worker = await startFixtureWorker(h, { handlerModules: ['@dgm-ood/catalog/handlers'] });
    try {
      const job = await waitForJob(created.jobId);
      expect(job.error).toBeNull();
      expect(job.state).toBe('succeeded');
      expect(job.summary).toMatchObject({ family: 'flow', weights: 'raw', imported: { prefix: 'module_state_dict._nflow._transform._transforms.1.', format: 'zip' } });

      const meta = `
project: imported
base_config:
  base_model: {sweep: ${created.reference.sweep}, job: ${created.reference.job}}
  data:
    in_distribution: {dataloader_args: {dataset: fashion-mnist}}
    out_of_distribution: {pick_loader: test, dataloader_args: {dataset: fashion-mnist}}
  ood: {seed: 1, method: ood.likelihood.Likelihood, points: 12}
sweep_configuration:
  data:
    out_of_distribution:
      dataloader_args:
        dataset: {sweep: true, values: [fashion-mnist, mnist]}
`;
      const sweep = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta });
      expect(sweep.statusCode, sweep.body).toBe(201);
      const { rows: jobs } = await h.pool.query('SELECT id FROM jobs WHERE sweep_id = $1 ORDER BY grid_index', [sweep.json().id]);
      for (const { id } of jobs) expect((await waitForJob(id)).state).toBe('succeeded');
      const evaluation = await evaluateSweep(h.pool, sweep.json().id);
      expect(evaluation.complete).toBe(true);
      expect(evaluation.rows[0]).toMatchObject({ method: 'likelihood', inDistribution: 'fashion-mnist', negative: 'mnist', positives: 12, negatives: 12 });
    } finally {
      await worker.close();
    }
  }, 300_000);
});

async function waitForJob(id: string): Promise<{ state: string; error: string | null; summary: unknown }> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const { rows } = await h.pool.query('SELECT state, error, summary FROM jobs WHERE id = $1', [id]);
    if (['succeeded', 'failed', 'cancelled'].includes(rows[0].state)) return rows[0];
    if (Date.now() > deadline) throw new Error(`job ${id} still ${rows[0].state}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
