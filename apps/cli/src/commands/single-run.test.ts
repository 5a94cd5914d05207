/**
 * `dgm-ood train|ood` with the worker's fixture handlers (and one that reports on every channel): the local
 * results directory, the rows a recorded run leaves in PostgreSQL, model references, invalid configs, `.env`,
 * and Ctrl-C then resume in a real process.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { fileIo, memoryIo } from '../test-io.js';
import { oodCommand, trainCommand } from './single-run.js';

const FIXTURES = fileURLToPath(new URL('../../../worker/src/testing/fixture-handlers.ts', import.meta.url));
const REPORTING = fileURLToPath(new URL('../testing/report-everything-handler.ts', import.meta.url));
const HANDLERS = `${FIXTURES},${REPORTING}`;
const EXAMPLE = fileURLToPath(new URL('../../../../test/fixtures/upstream/configurations/training/flows/example_grayscale_train.yaml', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/dgm-ood.js', import.meta.url));
const UNREACHABLE = 'postgresql://root@127.0.0.1:1/none';

const dir = mkdtempSync(join(tmpdir(), 'cli-single-run-'));
const modelDir = join(dir, 'models');
/** Environment for the commands under test; restored after the file by vi.unstubAllEnvs. */
function setEnv(values: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(values)) vi.stubEnv(k, v);
}

function configFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));

let db: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  setEnv({ MODEL_DIR: modelDir, DATABASE_URL: UNREACHABLE, INIT_CWD: undefined, DGM_OOD_HANDLERS: undefined });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await pool?.end();
  await db?.drop();
});

describe('local mode (PostgreSQL unreachable, or --local)', () => {
  test('writes summary.json, results.csv/json, metrics.csv and log.jsonl; the working directory is keyed by the config', async () => {
    const file = configFile('everything.yaml', 'fixture: report-everything\nmodel: {}\n');
    const out = join(dir, 'out-local');
    const io = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', HANDLERS, '--out', out], io)).toBe(0);
    expect(io.err).toContain('not recording in PostgreSQL (cannot reach PostgreSQL at postgresql://root@127.0.0.1:1/none');
    expect(io.out).toMatch(/^train succeeded in [\d.]+ s on fixture-backend: /);

    const summary = readJson(join(out, 'summary.json'));
    expect(summary).toMatchObject({
      name: 'single: everything.yaml', kind: 'train', handler: 'fixture.report-everything', outcome: 'succeeded', error: null, backend: 'fixture-backend',
      recording: { mode: 'local' }, database: null, attempt: 1, config: { fixture: 'report-everything', model: {} },
      summary: { attempt: 1, cacheHit: false, kept: { scale: 0.5 } },
      results: { points: 3, scores: ['log_likelihood', 'lid'], metrics: 3 },
    });
    expect(summary.provenance).toMatchObject({ seed: 11, backend: 'fixture-backend', codeVersion: expect.any(String), node: process.version });
    expect(summary.workdir).toBe(join(modelDir, 'single-runs', `train-${summary.configHash.slice(0, 16)}`));
    expect(summary.checkpoints.artifacts).toEqual([expect.objectContaining({ name: 'weights.txt', kind: 'checkpoint', bytes: 16 })]);
    expect(summary.timings.seconds).toBeGreaterThanOrEqual(0);
    expect(readJson(join(summary.workdir, 'run_config.json'))).toEqual(summary.config);

    expect(readFileSync(join(out, 'results.csv'), 'utf8')).toBe('dataset,split,point_index,log_likelihood,lid\nfixture,test,0,0,10\nfixture,test,1,-1,11\nfixture,test,2,-2,12\n');
    expect(readJson(join(out, 'results.json'))[2]).toEqual({ dataset: 'fixture', split: 'test', pointIndex: 2, scores: { log_likelihood: -2, lid: 12 } });
    expect(readFileSync(join(out, 'metrics.csv'), 'utf8')).toBe('name,scope,step,epoch,value\nloss,step,1,0,2.5\nloss,step,2,0,1.5\nvalid_loss,epoch,0,0,1.75\n');
    const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((l) => [l.level, l.message])).toEqual([['info', 'reporting everything'], ['warn', 'a warning line']]);
    expect(log[0].data).toEqual({ points: 3 });

    // The same config again: the same working directory (attempt 2), and the JSON-file cache answers.
    const again = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', HANDLERS, '--out', join(dir, 'out-local-2'), '--local'], again)).toBe(0);
    expect(again.err).toContain('not recording in PostgreSQL (--local)');
    const second = readJson(join(dir, 'out-local-2', 'summary.json'));
    expect(second).toMatchObject({ workdir: summary.workdir, attempt: 2, summary: { attempt: 2, cacheHit: true } });
    expect(existsSync(join(modelDir, 'single-runs', 'shared-cache.json'))).toBe(true);
  });

  test('--set overrides the file (YAML values, list positions), changing the config hash and so the working directory', async () => {
    const file = configFile('fixture.yaml', 'fixture: succeed\npoints: 3\nmodel: {layers: [{width: 1}, {width: 2}]}\n');
    const out = join(dir, 'out-set');
    const io = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', FIXTURES, '--set', 'points=5', '--set=model.layers.1.width=8', '--set', 'extra.flag=yes', '--out', out], io)).toBe(0);
    const summary = readJson(join(out, 'summary.json'));
    // YAML 1.1, as the reference reads its configs: `yes` is true.
    expect(summary.config).toEqual({ fixture: 'succeed', points: 5, model: { layers: [{ width: 1 }, { width: 8 }] }, extra: { flag: true } });
    expect(summary.overrides).toEqual(['points=5', 'model.layers.1.width=8', 'extra.flag=yes']);
    expect(summary.results.points).toBe(5);
    const bad = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', FIXTURES, '--set', 'model.layers.5.width=1', '--out', out], bad)).toBe(2);
    expect(bad.err).toContain('--set model.layers.5.width: model.layers is a list of 2; "5" is not one of its positions (0…1)');
    const usage = fileIo();
    expect(await trainCommand.run(['--config', file, '--set', 'points'], usage)).toBe(1);
    expect(usage.err).toContain('--set points: expected PATH=VALUE');
  });

  test('a failing handler is exit 6 with its error, kept in summary.json', async () => {
    const file = configFile('throws.yaml', 'fixture: throws\nmessage: the loss is NaN\ncode: DGM_FIXTURE\nmodel: {}\n');
    const out = join(dir, 'out-throws');
    const io = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', FIXTURES, '--out', out], io)).toBe(6);
    expect(io.err).toContain('dgm-ood train: the run failed: the loss is NaN [DGM_FIXTURE]');
    expect(readJson(join(out, 'summary.json'))).toMatchObject({ outcome: 'failed', error: 'the loss is NaN' });
  });

  test('a {sweep, job} model reference needs PostgreSQL: exit 2 naming the path and the alternatives', async () => {
    const file = configFile('ref.yaml', 'fixture: read-model\nbase_model: {sweep: flows, job: 0}\nood: {method: x}\n');
    const io = fileIo();
    expect(await oodCommand.run(['--config', file, '--handlers', FIXTURES, '--out', join(dir, 'out-ref')], io)).toBe(2);
    expect(io.err).toContain('base_model: model reference {sweep: "flows", job: 0} needs PostgreSQL, which this run does not use');
    expect(io.err).toContain('{directory: <the train run\'s working directory>}');
  });

  test('.env of the invoking directory sets MODEL_DIR (relative to it outside a workspace)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-single-run-env-'));
    writeFileSync(join(home, '.env'), 'MODEL_DIR=./my-models\nDATA_DIR=./my-data\n');
    writeFileSync(join(home, 'cfg.yaml'), 'fixture: succeed\nmodel: {}\n');
    setEnv({ INIT_CWD: home, MODEL_DIR: undefined });
    try {
      const io = memoryIo();
      io.readFile = (p: string) => readFileSync(join(home, p), 'utf8');
      expect(await trainCommand.run(['--config', 'cfg.yaml', '--handlers', FIXTURES, '--local'], io)).toBe(0);
      const [, resultsDir] = /results: (\S+)/.exec(io.out)!;
      expect(resultsDir!.startsWith(join(home, 'results', 'cfg-'))).toBe(true);
      const summary = readJson(join(resultsDir!, 'summary.json'));
      expect(summary).toMatchObject({ modelDir: join(home, 'my-models'), dataDir: join(home, 'my-data') });
      expect(existsSync(join(summary.workdir, 'model.txt'))).toBe(true);
      // Taken out again after the run.
      expect(process.env.MODEL_DIR).toBeUndefined();
    } finally {
      setEnv({ INIT_CWD: undefined, MODEL_DIR: modelDir });
    }
  });
});

describe('invalid configs: exit 2 before anything runs', () => {
  test('the catalog checker names each problem by its config path', async () => {
    const io = fileIo();
    const out = join(dir, 'out-invalid');
    expect(await trainCommand.run(['--config', EXAMPLE, '--set', 'data.dataset=nope', '--local', '--out', out], io)).toBe(2);
    expect(io.err).toMatch(/example_grayscale_train\.yaml: invalid train config \(1 problem\)\n {2}config data\.dataset: dataset "nope" is not available/);
    expect(existsSync(out)).toBe(false);
    const epochs = fileIo();
    expect(await trainCommand.run(['--config', EXAMPLE, '--set', 'trainer.max_epochs=0', '--local', '--out', out], epochs)).toBe(2);
    expect(epochs.err).toContain('config trainer.max_epochs:');
  });

  test('a training config run as ood (and the reverse) says which command runs it', async () => {
    const io = fileIo();
    expect(await oodCommand.run(['--config', EXAMPLE, '--local'], io)).toBe(2);
    expect(io.err).toContain(`is a training config (model, trainer): run it with \`dgm-ood train --config ${EXAMPLE}\``);
  });

  test('a missing file, a meta-configuration', async () => {
    const missing = fileIo();
    expect(await trainCommand.run(['--config', join(dir, 'nope.yaml')], missing)).toBe(2);
    expect(missing.err).toContain('cannot read --config');
    const meta = fileIo();
    expect(await trainCommand.run(['--config', configFile('meta.yaml', 'base_config: {a: 1}\nsweep_configuration: {a: {sweep: true, values: [1, 2]}}\n')], meta)).toBe(2);
    expect(meta.err).toContain('this is a meta-configuration (a sweep)');
  });
});

describe('database mode', () => {
  beforeAll(() => setEnv({ DATABASE_URL: db.url }));
  afterAll(() => setEnv({ DATABASE_URL: UNREACHABLE }));

  test('a one-job sweep with its job, attempt, logs, metrics, provenance, cache, artifacts and point results, as a worker leaves them', async () => {
    const file = configFile('db-everything.yaml', 'fixture: report-everything\nmodel: {}\nrun: db\n');
    const out = join(dir, 'out-db');
    const io = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', HANDLERS, '--out', out], io)).toBe(0);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.recording.mode).toBe('database');
    const { sweepId, jobId } = summary.database;
    expect(summary.database).toMatchObject({ sweepName: 'single: db-everything.yaml', attempt: 1, reference: { sweep: sweepId, job: 0 } });
    expect(io.out).toContain(`an OOD config names this model as base_model: {sweep: ${sweepId}, job: 0}`);

    const q = async (sql: string) => (await pool.query(sql, [jobId])).rows;
    const [sweep] = (await pool.query('SELECT name, kind, status, job_count, source_format, options FROM sweeps WHERE id = $1', [sweepId])).rows;
    expect(sweep).toMatchObject({ name: 'single: db-everything.yaml', kind: 'train', status: 'succeeded', job_count: 1, source_format: 'yaml', options: { singleRun: { file } } });
    const [job] = await q('SELECT state, attempts, workdir_key, backend, summary, provenance, config, config_hash FROM jobs WHERE id = $1');
    expect(job).toMatchObject({
      state: 'succeeded', attempts: 1, backend: 'fixture-backend', workdir_key: `single-runs/train-${summary.configHash.slice(0, 16)}`,
      summary: { attempt: 1 }, config: { fixture: 'report-everything', model: {}, run: 'db' }, config_hash: summary.configHash,
    });
    expect(job.provenance).toMatchObject({ seed: 11, backend: 'fixture-backend', workerId: expect.stringMatching(/^single-run:/) });
    expect(await q('SELECT attempt, outcome FROM job_attempts WHERE job_id = $1')).toEqual([{ attempt: 1, outcome: 'succeeded' }]);
    expect((await q('SELECT level, message FROM job_logs WHERE job_id = $1 ORDER BY id')).map((r) => r.message)).toEqual(['reporting everything', 'a warning line']);
    expect(await q('SELECT name, scope, step, value FROM job_metrics WHERE job_id = $1 ORDER BY name, step')).toEqual([
      { name: 'loss', scope: 'step', step: 1, value: 2.5 }, { name: 'loss', scope: 'step', step: 2, value: 1.5 }, { name: 'valid_loss', scope: 'epoch', step: 0, value: 1.75 },
    ]);
    expect(await q('SELECT point_index, scores FROM point_results WHERE job_id = $1 ORDER BY point_index')).toHaveLength(3);
    expect(await q('SELECT name, kind FROM artifacts WHERE job_id = $1')).toEqual([{ name: 'weights.txt', kind: 'checkpoint' }]);
    expect(await q('SELECT key FROM shared_cache WHERE job_id = $1')).toEqual([{ key: 'fixture/calibration' }]);
    // The results directory is written too.
    expect(readFileSync(join(out, 'results.csv'), 'utf8').split('\n')).toHaveLength(5);
  });

  test('a database without tables: exit 6 naming the fix, before anything is written', async () => {
    const bare = await createTestDatabase({ migrated: false });
    setEnv({ DATABASE_URL: bare.url });
    try {
      const io = fileIo();
      const out = join(dir, 'out-bare');
      expect(await trainCommand.run(['--config', configFile('bare.yaml', 'fixture: succeed\nmodel: {}\n'), '--handlers', FIXTURES, '--out', out], io)).toBe(6);
      expect(io.err).toMatch(/cannot record the run in PostgreSQL \(.*\): relation "\w+" does not exist\. Run `pnpm db:migrate`.* or pass --local/);
      expect(existsSync(out)).toBe(false);
    } finally {
      setEnv({ DATABASE_URL: db.url });
      await bare.drop();
    }
  });

  test('an ood run references a trained single run as {sweep, job}; its job depends on it', async () => {
    const train = fileIo();
    const trainFile = configFile('db-model.yaml', 'fixture: succeed\nmodel: {}\n');
    expect(await trainCommand.run(['--config', trainFile, '--handlers', FIXTURES, '--name', 'db-model', '--out', join(dir, 'out-db-model')], train)).toBe(0);
    const trained = readJson(join(dir, 'out-db-model', 'summary.json')).database;
    const oodFile = configFile('db-ood.yaml', 'fixture: read-model\nbase_model: {sweep: db-model, job: 0}\nood: {method: x}\n');
    const io = fileIo();
    expect(await oodCommand.run(['--config', oodFile, '--handlers', FIXTURES, '--out', join(dir, 'out-db-ood')], io)).toBe(0);
    const summary = readJson(join(dir, 'out-db-ood', 'summary.json'));
    expect(summary.summary).toEqual({ model: 'trained by attempt 1\n', from: trained.jobId });
    const { rows } = await pool.query('SELECT depends_on_id FROM job_dependencies WHERE job_id = $1', [summary.database.jobId]);
    expect(rows).toEqual([{ depends_on_id: trained.jobId }]);
    const [sweep] = (await pool.query('SELECT kind, status FROM sweeps WHERE id = $1', [summary.database.sweepId])).rows;
    expect(sweep).toEqual({ kind: 'ood', status: 'succeeded' });

    const missing = fileIo();
    const badFile = configFile('db-ood-missing.yaml', 'fixture: read-model\nbase_model: {sweep: no-such-sweep, job: 0}\nood: {method: x}\n');
    expect(await oodCommand.run(['--config', badFile, '--handlers', FIXTURES], missing)).toBe(2);
    expect(missing.err).toContain('base_model: model reference {sweep: "no-such-sweep", job: 0}: ');
    expect(missing.err).toContain('no sweep with that name');
  });

  test('a failed run is a failed job; running the config again takes that job up as attempt 2', async () => {
    const file = configFile('db-flaky.yaml', 'fixture: flaky\nfailTimes: 1\nmodel: {}\n');
    const first = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', FIXTURES, '--out', join(dir, 'out-flaky-1')], first)).toBe(6);
    const { jobId, sweepId } = readJson(join(dir, 'out-flaky-1', 'summary.json')).database;
    expect((await pool.query('SELECT state, error FROM jobs WHERE id = $1', [jobId])).rows[0]).toEqual({ state: 'failed', error: 'transient failure on attempt 1' });
    const second = fileIo();
    expect(await trainCommand.run(['--config', file, '--handlers', FIXTURES, '--out', join(dir, 'out-flaky-2')], second)).toBe(0);
    expect(second.err).toContain('taking up the unfinished run of this config');
    expect(readJson(join(dir, 'out-flaky-2', 'summary.json')).database).toMatchObject({ jobId, sweepId, attempt: 2 });
    const { rows } = await pool.query('SELECT attempt, outcome FROM job_attempts WHERE job_id = $1 ORDER BY attempt', [jobId]);
    expect(rows).toEqual([{ attempt: 1, outcome: 'failed' }, { attempt: 2, outcome: 'succeeded' }]);
  });
});

/** `dgm-ood train` in a process of its own (plain progress lines: not a terminal), stoppable with SIGINT. */
function spawnTrain(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'train', ...args], { cwd: dir, env: { ...process.env, MODEL_DIR: modelDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.resume();
  return { child, stderr: () => stderr };
}

/** Runs until its first progress line (a checkpoint is written before each report), then Ctrl-C. */
async function interruptAfterFirstStep(run: ReturnType<typeof spawnTrain>): Promise<number> {
  while (!/^train [\d.]+% step \d/m.test(run.stderr())) {
    if (run.child.exitCode !== null) throw new Error(`exited early: ${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  run.child.kill('SIGINT');
  const [code] = await once(run.child, 'exit');
  return code as number;
}

test('Ctrl-C checkpoints and exits 130 saying how to resume; the same command again resumes from the checkpoint', async () => {
  const file = configFile('counter.yaml', 'fixture: counter\nsteps: 40\nstepMs: 50\nmodel: {}\n');
  const out = join(dir, 'out-counter');
  const args = ['--config', file, '--handlers', FIXTURES, '--out', out, '--local'];
  const first = spawnTrain(args, {});
  expect(await interruptAfterFirstStep(first)).toBe(130);
  expect(first.stderr()).toContain('stopping — the handler saves its checkpoint');
  expect(first.stderr()).toMatch(/interrupted after [\d.]+ s: .*run the same command again to resume from it/);
  expect(readJson(join(out, 'summary.json'))).toMatchObject({ outcome: 'interrupted', attempt: 1 });

  const second = spawnTrain(args, {});
  const [code] = await once(second.child, 'exit');
  expect(code).toBe(0);
  const summary = readJson(join(out, 'summary.json'));
  expect(summary).toMatchObject({ outcome: 'succeeded', attempt: 2, summary: { steps: 40, attempt: 2 } });
  expect(summary.summary.resumedFrom).toBeGreaterThan(0);
  // The same --out: the results directory of the interrupted run is continued (its log too).
  const log = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(log.filter((l) => l.message === 'counting').map((l) => l.data.resumedFrom)).toEqual([0, summary.summary.resumedFrom]);
  expect(second.stderr()).toContain('continuing the results of the unfinished run of this config');
}, 60_000);

test('recorded in PostgreSQL, Ctrl-C cancels the job; the same command again takes it up as attempt 2 from the checkpoint', async () => {
  const file = configFile('db-counter.yaml', 'fixture: counter\nsteps: 40\nstepMs: 50\nmodel: {}\nrun: db\n');
  const out = join(dir, 'out-db-counter');
  const args = ['--config', file, '--handlers', FIXTURES, '--out', out];
  const first = spawnTrain(args, { DATABASE_URL: db.url });
  expect(await interruptAfterFirstStep(first)).toBe(130);
  const { jobId, sweepId } = readJson(join(out, 'summary.json')).database;
  expect(first.stderr()).toContain(`it takes up job ${jobId} of sweep ${sweepId} again`);
  expect((await pool.query('SELECT state FROM jobs WHERE id = $1', [jobId])).rows[0]).toEqual({ state: 'cancelled' });

  const second = spawnTrain(args, { DATABASE_URL: db.url });
  const [code] = await once(second.child, 'exit');
  expect(code).toBe(0);
  const summary = readJson(join(out, 'summary.json'));
  expect(summary.database).toMatchObject({ jobId, sweepId, attempt: 2 });
  expect(summary.summary.resumedFrom).toBeGreaterThan(0);
  const { rows } = await pool.query('SELECT attempt, outcome FROM job_attempts WHERE job_id = $1 ORDER BY attempt', [jobId]);
  expect(rows).toEqual([{ attempt: 1, outcome: 'cancelled' }, { attempt: 2, outcome: 'succeeded' }]);
  expect((await pool.query('SELECT status FROM sweeps WHERE id = $1', [sweepId])).rows[0]).toEqual({ status: 'succeeded' });
}, 60_000);
