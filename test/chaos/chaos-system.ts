/**
 * The whole service as a deployment runs it, for one chaos test: a coordinator process and worker processes (with
 * the worker's named fixtures), against a PostgreSQL and a Redis of the test's own. Short lease, stall and reconcile
 * intervals, so that recovery takes seconds. Everything it started is stopped by `close`, whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, type Pool } from '@dgm-ood/db';
import { closeQueues, createQueues, createRedis } from '@dgm-ood/queue';
import { freePort, startPrivatePostgres, startPrivateRedis, type PrivateRedis, type PrivateService } from './private-services.js';
import { ownedDirectory, startProcess, waitUntil, type ManagedProcess } from './processes.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const COORDINATOR_ENTRY = join(ROOT, 'apps/coordinator/src/testing/fixture-coordinator.ts');
const WORKER_ENTRY = join(ROOT, 'apps/worker/src/main.ts');
const FIXTURE_HANDLERS = join(ROOT, 'apps/worker/src/testing/fixture-handlers.ts');
export const CLI_ENTRY = join(ROOT, 'apps/cli/src/main.ts');

/** Worker leases: a killed worker's jobs are handed on after about lock + stall interval (seconds, not the default minute). */
const LOCK_DURATION_MS = 3000;
const STALLED_INTERVAL_MS = 1500;
/** Coordinator: reconcile every half second; queued jobs Redis lost after 2 s, running jobs no one holds after 4 s. */
const RECONCILE_ENV = { DGM_OOD_RECONCILE_MS: '500', DGM_OOD_RECONCILE_GRACE_MS: '2000', DGM_OOD_RECONCILE_LOST_AFTER_MS: '4000' };
const QUEUE_PREFIX = 'chaos';
/** How long any one wait of a chaos test may take before it counts as stuck. */
export const WAIT_CAP_MS = 120_000;

export interface SubmitOptions {
  kind: 'train' | 'ood';
  name: string;
  maxAttempts?: number;
  backoffMs?: number;
}

export interface Submitted {
  id: string;
  jobCount: number;
}

/** The rows a job must have written in the end: `points` rows of one dataset and split, point indexes 0…points−1. */
export interface ExpectedRows {
  dataset: string;
  split: string;
  points: number;
}

export interface RowCount {
  expected: number;
  found: number;
  /** Expected rows that are missing. */
  lost: number;
  /** Rows beyond the expected ones: a second copy of a job's work (another sweep, a stale attempt's rows). */
  duplicated: number;
}

export interface Outcome {
  states: Record<string, number>;
  rows: RowCount;
  /** Each job that did not succeed: its state and its attempts' outcomes and errors (for a failure's message). */
  unsuccessful: string[];
}

export interface ChaosSystem {
  postgres: PrivateService;
  redis: PrivateRedis;
  /** A directory of this system's (logs, MODEL_DIR), removed with it. */
  dir: string;
  /** A pool on the private database, for the test's own reads. */
  pool: Pool;
  coordinatorUrl: string;
  /** The environment a coordinator, worker or CLI of this system runs with. */
  env: NodeJS.ProcessEnv;
  /** The coordinator started last (after a kill, until one is started again: the killed one). */
  readonly coordinator: ManagedProcess | undefined;
  /** Starts the coordinator (again) and waits until /healthz answers. */
  startCoordinator(): Promise<ManagedProcess>;
  /** Starts a worker process serving `queues` (default: both) and waits until it serves them. */
  startWorker(options?: { concurrency?: number; queues?: 'train' | 'ood' }): Promise<ManagedProcess>;
  /** A request to the coordinator's REST API, with the system's token. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** POST /sweeps with a YAML meta-configuration. */
  submit(yaml: string, options: SubmitOptions): Promise<Submitted>;
  /** What Redis holds of each job of the database: the number of jobs in each BullMQ state ('unknown': nothing). */
  queueStates(): Promise<Record<string, number>>;
  /** Number of jobs in each state, over the whole database. */
  jobStates(): Promise<Record<string, number>>;
  /** Waits until `done` holds for the job states; fails, naming them, after WAIT_CAP_MS. */
  waitForStates(what: string, done: (states: Record<string, number>) => boolean): Promise<Record<string, number>>;
  /** Compares the rows in point_results with what each job must have written (`expected(config)`). */
  countRows(expected: (config: Record<string, unknown>) => ExpectedRows): Promise<RowCount>;
  /** Waits until all `jobs` jobs have ended (succeeded, failed or cancelled); then their states and rows. */
  settle(jobs: number, expected: (config: Record<string, unknown>) => ExpectedRows): Promise<Outcome>;
  /** Polls until at least `running` jobs run past checkpoint `step` while at least `queued` still wait. */
  whenRunning(options: { step: number; running?: number; queued?: number }): Promise<void>;
  /**
   * Waits, polling every few milliseconds, until a worker is in the middle of a COPY of score rows while rows of an
   * earlier COPY are already committed: the moment a fault hurts ingestion most.
   */
  whenCopyingScores(): Promise<void>;
  /** Output of every process this system started, for a failure's message. */
  logs(): string;
  close(): Promise<void>;
}

export async function startChaosSystem(options: { redisAppendOnly?: boolean } = {}): Promise<ChaosSystem> {
  const { dir, remove } = ownedDirectory(mkdtempSync(join(tmpdir(), 'dgm-chaos-')));
  const modelDir = join(dir, 'models');
  mkdirSync(modelDir);
  const processes: ManagedProcess[] = [];
  let postgres: PrivateService | undefined;
  let redis: PrivateRedis | undefined;
  let pool: Pool | undefined;
  const close = async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL', 0)));
    await pool?.end().catch(() => {});
    await Promise.all([postgres?.stop(), redis?.stop()]);
    remove();
  };
  try {
    [postgres, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis({ appendOnly: options.redisAppendOnly ?? true })]);
    pool = createPool(postgres.url);
    const port = await freePort();
    const token = randomBytes(24).toString('hex');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      MODEL_DIR: modelDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      DGM_OOD_API_TOKEN: `chaos:${token}`,
      DGM_OOD_URL: `http://127.0.0.1:${port}`,
      DGM_OOD_CODE_VERSION: 'chaos',
      DGM_OOD_QUEUE_PREFIX: QUEUE_PREFIX,
      LOG_LEVEL: 'info',
      ...RECONCILE_ENV,
    };
    const coordinatorUrl = `http://127.0.0.1:${port}`;
    const authorization = `Bearer ${token}`;
    let coordinator: ManagedProcess | undefined;
    const system: ChaosSystem = {
      postgres,
      redis,
      dir,
      pool,
      coordinatorUrl,
      env,
      get coordinator() {
        return coordinator;
      },
      async startCoordinator() {
        const started = startProcess('coordinator', process.execPath, ['--import', 'tsx', COORDINATOR_ENTRY], { cwd: ROOT, env, logFile: join(dir, 'coordinator.log') });
        processes.push(started);
        coordinator = started;
        await waitUntil('the coordinator to answer /healthz', async () => {
          if (!started.running()) throw new Error(`the coordinator exited: ${started.logTail(1500)}`);
          const response = await fetch(`${coordinatorUrl}/healthz`).catch(() => undefined);
          return response?.status === 200 ? true : undefined;
        }, WAIT_CAP_MS);
        return started;
      },
      async startWorker({ concurrency = 1, queues = 'train,ood' } = {}) {
        const worker = startProcess(
          'worker',
          process.execPath,
          [
            '--import', 'tsx', WORKER_ENTRY, '--handlers', FIXTURE_HANDLERS, '--queues', queues, '--concurrency', String(concurrency),
            '--lock-duration', String(LOCK_DURATION_MS), '--stalled-interval', String(STALLED_INTERVAL_MS), '--shutdown-timeout', '5000',
          ],
          { cwd: ROOT, env, logFile: join(dir, `worker-${processes.length}.log`) },
        );
        processes.push(worker);
        await waitUntil('the worker to start', () => {
          if (!worker.running()) throw new Error(`the worker exited: ${worker.logTail(1500)}`);
          return worker.logTail(1_000_000).includes('"msg":"worker started"') ? true : undefined;
        }, WAIT_CAP_MS);
        return worker;
      },
      api(path, init = {}) {
        return fetch(`${coordinatorUrl}${path}`, { ...init, headers: { ...init.headers, authorization } });
      },
      async submit(yaml, { kind, name, maxAttempts = 5, backoffMs = 200 }) {
        const query = new URLSearchParams({ kind, name, maxAttempts: String(maxAttempts), backoffMs: String(backoffMs) });
        const response = await system.api(`/sweeps?${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/yaml' },
          body: yaml,
        });
        const body = (await response.json()) as Submitted & { message?: string };
        if (response.status !== 201 && response.status !== 200) throw new Error(`POST /sweeps answered ${response.status}: ${JSON.stringify(body)}`);
        return body;
      },
      async queueStates() {
        const connection = createRedis(redis!.url);
        const queues = createQueues(connection, QUEUE_PREFIX);
        try {
          const { rows } = await pool!.query<{ id: string; kind: 'train' | 'ood' }>('SELECT j.id, s.kind FROM jobs j JOIN sweeps s ON s.id = j.sweep_id');
          const counts: Record<string, number> = {};
          for (const row of rows) {
            const state = await queues[row.kind].getJobState(row.id);
            counts[state] = (counts[state] ?? 0) + 1;
          }
          return counts;
        } finally {
          await closeQueues(queues);
          connection.disconnect();
        }
      },
      async jobStates() {
        const { rows } = await pool!.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM jobs GROUP BY state ORDER BY state');
        return Object.fromEntries(rows.map((r) => [r.state, r.n]));
      },
      async waitForStates(what, done) {
        let last: Record<string, number> = {};
        try {
          return await waitUntil(what, async () => {
            last = await system.jobStates();
            return done(last) ? last : undefined;
          }, WAIT_CAP_MS, 200);
        } catch (error) {
          throw new Error(`${(error as Error).message}; jobs by state: ${JSON.stringify(last)}\n${system.logs()}`);
        }
      },
      async countRows(expected) {
        const { rows: jobs } = await pool!.query<{ id: string; config: Record<string, unknown> }>('SELECT id, config FROM jobs');
        const wanted = jobs.map((job) => ({ id: job.id, ...expected(job.config) }));
        const { rows } = await pool!.query<{ matched: number; total: number }>(
          `SELECT
             (SELECT count(*)::int FROM point_results r
                JOIN unnest($1::uuid[], $2::text[], $3::text[], $4::int[]) AS e(job_id, dataset, split, points)
                  ON r.job_id = e.job_id AND r.dataset = e.dataset AND r.split = e.split AND r.point_index >= 0 AND r.point_index < e.points) AS matched,
             (SELECT count(*)::int FROM point_results) AS total`,
          [wanted.map((w) => w.id), wanted.map((w) => w.dataset), wanted.map((w) => w.split), wanted.map((w) => w.points)],
        );
        const { matched, total } = rows[0]!;
        const expectedCount = wanted.reduce((sum, w) => sum + w.points, 0);
        return { expected: expectedCount, found: total, lost: expectedCount - matched, duplicated: total - matched };
      },
      async settle(jobs, expected) {
        const states = await system.waitForStates('every job to end', (s) => (s.succeeded ?? 0) + (s.failed ?? 0) + (s.cancelled ?? 0) >= jobs);
        const { rows: unsuccessful } = await pool!.query<{ line: string }>(
          `SELECT j.name || ': ' || j.state || ' after ' || j.attempts || ' attempt(s): ' || coalesce(j.error, '') || ' [' ||
                  coalesce((SELECT string_agg(a.attempt || ' ' || a.outcome || coalesce(' (' || a.error || ')', ''), '; ' ORDER BY a.attempt)
                            FROM job_attempts a WHERE a.job_id = j.id), '') || ']' AS line
           FROM jobs j WHERE j.state <> 'succeeded' ORDER BY j.grid_index`,
        );
        return { states, rows: await system.countRows(expected), unsuccessful: unsuccessful.map((r) => r.line) };
      },
      async whenRunning({ step, running = 1, queued = 0 }) {
        await waitUntil(`${running} job(s) past checkpoint ${step} while ${queued} or more wait`, async () => {
          const { rows } = await pool!.query<{ running: number; queued: number }>(
            `SELECT count(*) FILTER (WHERE state = 'running' AND (progress->>'step')::int >= $1)::int AS running,
                    count(*) FILTER (WHERE state = 'queued')::int AS queued FROM jobs`,
            [step],
          );
          return rows[0]!.running >= running && rows[0]!.queued >= queued ? true : undefined;
        }, WAIT_CAP_MS, 20);
      },
      async whenCopyingScores() {
        await waitUntil('a COPY of score rows after a committed one', async () => {
          const { rows } = await pool!.query<{ copying: boolean }>(
            `SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY point_scores_incoming%')
                AND EXISTS (SELECT 1 FROM point_results) AS copying`,
          );
          return rows[0]!.copying ? true : undefined;
        }, WAIT_CAP_MS, 5);
      },
      logs() {
        return processes.map((p) => `--- ${p.name} (pid ${p.pid}) ---\n${p.logTail(3000)}`).join('\n');
      },
      close,
    };
    return system;
  } catch (error) {
    await close();
    throw error;
  }
}

/** A meta-configuration of `jobs` jobs of one worker fixture (`settings` its config), told apart by `index`. */
export function fixtureSweep(fixture: string, jobs: number, settings: Record<string, number | string> = {}): string {
  const base = Object.entries({ fixture, ...settings }).map(([key, value]) => `  ${key}: ${JSON.stringify(value)}`).join('\n');
  return `project: chaos
base_config:
${base}
  index: 0
sweep_configuration:
  index: {sweep: true, values: [${Array.from({ length: jobs }, (_, i) => i).join(', ')}]}
`;
}
