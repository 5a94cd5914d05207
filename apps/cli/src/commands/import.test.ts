import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { memoryIo } from '../test-io.js';
import { defaultRunName, importCommand } from './import.js';

// A reference run folder as torch left it (packages/flows/scripts/make-import-fixtures.py).
const RUN = fileURLToPath(new URL('../../../../packages/flows/src/__fixtures__/import/reference-run', import.meta.url));
const CHECKPOINT = join(RUN, 'checkpoints/de_nf_best_valid.pt');
const CONFIG = join(RUN, 'run_config.json');

let db: TestDatabase;
let pool: Pool;
const saved: Record<string, string | undefined> = {};
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  const env = { DATABASE_URL: db.url, MODEL_DIR: mkdtempSync(join(tmpdir(), 'cli-import-')), DGM_OOD_QUEUE_PREFIX: `cli${Date.now()}` };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
});
afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await pool?.end();
  await db?.drop();
});

test('the run name comes from the reference layout <run>/checkpoints/<file>.pt', () => {
  expect(defaultRunName('/m/checkpoints-x/RQNSF_mnist_abc_final/checkpoints/de_nf_best_valid.pt')).toBe('RQNSF_mnist_abc_final');
  expect(defaultRunName('/tmp/model.pth')).toBe('model');
});

test('usage errors and missing files exit before touching the database', async () => {
  const io = memoryIo();
  expect(await importCommand.run(['--checkpoint', CHECKPOINT], io)).toBe(1);
  expect(io.err).toContain('--checkpoint and --config are both required');
  const missing = memoryIo();
  expect(await importCommand.run(['--checkpoint', '/nonexistent/a.pt', '--config', CONFIG], missing)).toBe(2);
  expect(missing.err).toBe('dgm-ood import: --checkpoint: no file at /nonexistent/a.pt\n');
});

test('a checkpoint that does not fit its config is refused here, naming the parameter, both shapes and the config key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-import-config-'));
  const config = JSON.parse(readFileSync(CONFIG, 'utf8'));
  config.model.init_args.transform[1].content[2].init_args.net.init_args.hidden_channels = 12;
  writeFileSync(join(dir, 'run_config.json'), JSON.stringify(config));
  const io = memoryIo();
  expect(await importCommand.run(['--checkpoint', CHECKPOINT, '--config', join(dir, 'run_config.json')], io)).toBe(2);
  expect(io.err).toMatch(/initial_layer\.weight has torch shape \[8, 2, 1, 1\] in the checkpoint but \[12, 2, 1, 1\] .*model\.init_args\.transform\[1\]\.content\[2\]\.init_args\.net\.init_args\.hidden_channels decides it.*\[FLOWS_CHECKPOINT_MISMATCH\]/);
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM sweeps');
  expect(rows[0].n).toBe(0);
});

test('a fitting checkpoint is registered as an imported training job with the file as its artifact', async () => {
  const io = memoryIo();
  expect(await importCommand.run(['--checkpoint', CHECKPOINT, '--config', CONFIG, '--name', 'ref-fmnist', '--json'], io)).toBe(0);
  const out = JSON.parse(io.out);
  expect(out).toMatchObject({ ok: true, reference: { sweep: 'ref-fmnist', job: 'reference-run' }, bytes: readFileSync(CHECKPOINT).length, report: { format: 'zip', prefix: 'module_state_dict._nflow._transform._transforms.1.', dataRange: { min: 0, max: 255 } } });
  const { rows: jobs } = await pool.query(`SELECT j.name, j.state, j.config, s.kind, s.name AS sweep FROM jobs j JOIN sweeps s ON s.id = j.sweep_id WHERE j.id = $1`, [out.jobId]);
  expect(jobs[0]).toMatchObject({ name: 'reference-run', state: 'queued', kind: 'train', sweep: 'ref-fmnist' });
  expect(jobs[0].config).toMatchObject({ model: { class_path: 'model_zoo.density_estimator.flow.NormalizingFlow' }, imported: { checkpoint: 'imported/checkpoint.pt', file: 'de_nf_best_valid.pt', sha256: out.sha256 } });
  const { rows: artifacts } = await pool.query('SELECT name, sha256 FROM artifacts WHERE job_id = $1', [out.jobId]);
  expect(artifacts).toEqual([{ name: 'imported/checkpoint.pt', sha256: out.sha256 }]);
}, 120_000);
