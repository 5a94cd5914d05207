/** Coordinator test harness: the app over a throw-away database and an isolated queue prefix. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig, type AppConfig, type Logger } from '@dgm-ood/config';
import { createPool, createPrismaClient, type Pool, type PrismaClient } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { createQueues, createRedis, obliterateQueues, type Queues, type Redis } from '@dgm-ood/queue';
import { upstreamFixture } from '../../../../test/fixtures/upstream-fixtures.js';
import { buildApp, type CoordinatorApp } from '../app.js';
import { fixtureOrCatalogJobChecker } from './fixture-job-checker.js';

export const upstreamFile = (path: string) => readFileSync(upstreamFixture('meta_configurations', path), 'utf8');

export interface CoordinatorHarness {
  app: CoordinatorApp;
  db: TestDatabase;
  pool: Pool;
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  config: AppConfig;
  close(): Promise<void>;
}

/** `configOverrides`: settings over the defaults (e.g. `apiTokens` to turn authentication on); `logger`: the app's (default: none). */
export async function createCoordinatorHarness(configOverrides: Partial<AppConfig> = {}, options: { logger?: Logger } = {}): Promise<CoordinatorHarness> {
  const db = await createTestDatabase();
  const config: AppConfig = {
    // Rate limits only where a test turns them on (`rateLimit`): suites post more sweeps a minute than a person.
    ...loadConfig({ env: { DGM_OOD_RATE_LIMIT_MAX: '0' }, envFile: false }),
    databaseUrl: db.url,
    queuePrefix: `t${randomBytes(5).toString('hex')}`,
    logLevel: 'silent',
    ...configOverrides,
  };
  const pool = createPool(db.url);
  const prisma = createPrismaClient(db.url);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  const app = await buildApp({ services: { config, pool, prisma, redis, queues, checkJob: fixtureOrCatalogJobChecker }, logger: options.logger ?? false });
  return {
    app, db, pool, prisma, redis, queues, config,
    async close() {
      await app.close();
      await obliterateQueues(queues);
      redis.disconnect();
      await prisma.$disconnect();
      await pool.end();
      await db.drop();
    },
  };
}

/** Runs a worker with the fixture handlers against the harness's database and queues. */
export async function startFixtureWorker(h: CoordinatorHarness, overrides: Partial<import('@dgm-ood/worker').WorkerOptions> = {}) {
  const { startWorker } = await import('@dgm-ood/worker');
  const { createLogger } = await import('@dgm-ood/config');
  return startWorker({
    config: h.config,
    logger: createLogger('test-worker', { level: 'silent' }),
    queues: ['train', 'ood'],
    concurrency: 1,
    handlerModules: [fileURLToPath(new URL('../../../worker/src/testing/fixture-handlers.ts', import.meta.url))],
    isolation: 'inline',
    lockDurationMs: 5000,
    stalledIntervalMs: 5000,
    maxStalledCount: 3,
    shutdownTimeoutMs: 10_000,
    cancelPollMs: 300,
    // A CPU machine of 8 GiB unless a test says otherwise: no GPU probe in tests.
    resources: { device: 'cpu', memoryGib: 8, backend: 'fixture', reason: 'test harness' },
    ...overrides,
  });
}

/** Polls GET /sweeps/:id until `done` holds. */
export async function waitForSweep(h: CoordinatorHarness, id: string, done: (sweep: { status: string; counts: Record<string, number> }) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sweep = (await h.app.inject({ url: `/sweeps/${id}` })).json();
    if (done(sweep)) return sweep;
    if (Date.now() > deadline) throw new Error(`timed out; sweep is ${JSON.stringify(sweep.counts)} ${sweep.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
