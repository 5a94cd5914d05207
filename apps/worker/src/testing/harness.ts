/** Test harness: a throw-away database, an isolated queue prefix, sweeps of fixture jobs, workers. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { createLogger, loadConfig, type AppConfig } from '@dgm-ood/config';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { createSweep, recordRequirementClasses, withRequirementClasses, type JobKind, type JsonValue } from '@dgm-ood/jobs';
import { createQueues, createRedis, enqueueJobs, obliterateQueues, readResources, type Queues, type Redis } from '@dgm-ood/queue';
import { startWorker, type RunningWorker, type WorkerOptions } from '../worker.js';

export const FIXTURE_HANDLERS = fileURLToPath(new URL('./fixture-handlers.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Harness {
  db: TestDatabase;
  pool: Pool;
  redis: Redis;
  queues: Queues;
  config: AppConfig;
  /** Stores a sweep of fixture jobs and enqueues the runnable ones; returns job ids in grid order. */
  submit(configs: JsonValue[], options?: { kind?: JobKind; maxAttempts?: number; backoffMs?: number; dependsOn?: (string[] | undefined)[] }): Promise<{ sweepId: string; jobIds: string[] }>;
  worker(overrides?: Partial<WorkerOptions> & { modelDir?: string; artifactStore?: 'directory' | 'postgres' }): Promise<RunningWorker>;
  /** Starts `pnpm worker` as a separate OS process (for kill -9 / SIGTERM tests). */
  spawnWorker(args: string[], env?: Record<string, string>): ChildProcess;
  job(jobId: string): Promise<Record<string, unknown>>;
  attempts(jobId: string): Promise<{ attempt: number; outcome: string; error: string | null }[]>;
  waitFor(jobId: string, predicate: (job: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const db = await createTestDatabase();
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const modelDir = mkdtempSync(join(tmpdir(), 'dgm-models-'));
  const config: AppConfig = {
    ...loadConfig({ env: {}, envFile: false }),
    databaseUrl: db.url,
    queuePrefix: prefix,
    modelDir,
    logLevel: 'silent',
  };
  const pool = createPool(db.url);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, prefix);
  const workers: RunningWorker[] = [];
  const children: ChildProcess[] = [];

  const harness: Harness = {
    db, pool, redis, queues, config,
    async submit(configs, options = {}) {
      const kind = options.kind ?? 'train';
      // Stored with the sweep as the coordinator stores them: jobs released later are enqueued with them.
      const retry = { attempts: options.maxAttempts ?? 3, backoffMs: options.backoffMs ?? 100 };
      // As the coordinator does: jobs with `resources` go to their requirement class's queue.
      await recordRequirementClasses(pool, configs.flatMap((c) => readResources(c).requirement ?? []));
      const { sweepId, jobs } = await createSweep(pool, {
        name: `fixtures-${randomBytes(3).toString('hex')}`,
        kind,
        sourceText: '# fixtures\n',
        sourceFormat: 'yaml',
        options: { maxAttempts: retry.attempts, backoffMs: retry.backoffMs },
        maxAttempts: retry.attempts,
        jobs: configs.map((c, i) => ({
          gridIndex: i,
          name: `fixture-${i}`,
          point: {},
          configJson: JSON.stringify(c),
          configHash: `hash-${i}`,
          ...(options.dependsOn?.[i] ? { dependsOn: options.dependsOn[i] } : {}),
        })),
      });
      await enqueueJobs(
        queues,
        await withRequirementClasses(pool, jobs.filter((j) => j.state === 'queued').map((j) => ({
          jobId: j.id, sweepId, kind, retry,
        }))),
      );
      return { sweepId, jobIds: jobs.map((j) => j.id) };
    },
    async worker(overrides = {}) {
      const { modelDir: dir, artifactStore, ...rest } = overrides;
      const worker = await startWorker({
        config: { ...config, ...(dir ? { modelDir: dir } : {}), ...(artifactStore ? { artifactStore } : {}) },
        logger: createLogger('test-worker', { level: 'silent' }),
        queues: ['train', 'ood'],
        concurrency: 1,
        handlerModules: [FIXTURE_HANDLERS],
        isolation: 'inline',
        lockDurationMs: 2000,
        stalledIntervalMs: 1000,
        maxStalledCount: 3,
        shutdownTimeoutMs: 10_000,
        cancelPollMs: 500,
        // A CPU machine of 8 GiB unless a test says otherwise: no GPU probe in tests.
        resources: { device: 'cpu', memoryGib: 8, backend: 'fixture', reason: 'test harness' },
        ...rest,
      });
      workers.push(worker);
      return worker;
    },
    spawnWorker(args, env = {}) {
      // node --import tsx, not the tsx CLI: the CLI runs the program in a child, so a signal sent to it
      // would not reach the worker itself.
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/worker/src/main.ts'), '--handlers', FIXTURE_HANDLERS, ...args], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: db.url,
          REDIS_URL: config.redisUrl,
          DGM_OOD_QUEUE_PREFIX: prefix,
          MODEL_DIR: modelDir,
          LOG_LEVEL: process.env.TEST_WORKER_LOG_LEVEL ?? 'warn',
          ...env,
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      return child;
    },
    async job(jobId) {
      const { rows } = await pool.query('SELECT * FROM jobs WHERE id = $1', [jobId]);
      return rows[0] as Record<string, unknown>;
    },
    async attempts(jobId) {
      const { rows } = await pool.query('SELECT attempt, outcome, error FROM job_attempts WHERE job_id = $1 ORDER BY attempt', [jobId]);
      return rows as { attempt: number; outcome: string; error: string | null }[];
    },
    async waitFor(jobId, predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const job = await harness.job(jobId);
        if (predicate(job)) return job;
        if (Date.now() > deadline) throw new Error(`timed out waiting for job ${jobId}; last state ${JSON.stringify({ state: job.state, attempts: job.attempts, error: job.error, progress: job.progress })}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await Promise.all(workers.map((w) => w.close()));
      await obliterateQueues(queues);
      redis.disconnect();
      await pool.end();
      await db.drop();
    },
  };
  return harness;
}

export const isTerminal = (job: Record<string, unknown>) => ['succeeded', 'failed', 'cancelled'].includes(job.state as string);
