import { createLogger, loadConfig, stopWhenOrphaned } from '@dgm-ood/config';
import { checkDatabase, createPool, createPrismaClient } from '@dgm-ood/db';
import { reconcileQueues } from '@dgm-ood/jobs';
import { checkRedis, closeQueues, createQueues, createRedis } from '@dgm-ood/queue';
import { buildApp } from './app.js';
import { assertSafeToListen } from './listen-policy.js';
import type { JobChecker } from './plugins/services.js';

export interface CoordinatorServiceOptions {
  /** Checks each submitted job's config; default: the catalog's (a test's coordinator also accepts the worker's fixtures). */
  checkJob?: JobChecker;
}

/**
 * The coordinator as a service: reads the configuration, serves the REST API and reconciles Postgres with the
 * queues every DGM_OOD_RECONCILE_MS until SIGTERM, SIGINT or the loss of its parent process.
 */
export async function runCoordinator(options: CoordinatorServiceOptions = {}): Promise<void> {
  const config = loadConfig();
  assertSafeToListen(config); // before connecting to anything: fail fast
  const logger = createLogger('coordinator', { level: config.logLevel });
  await Promise.all([checkDatabase(config.databaseUrl), checkRedis(config.redisUrl)]);
  const pool = createPool(config.databaseUrl);
  const prisma = createPrismaClient(config.databaseUrl);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  const app = await buildApp({ services: { config, pool, prisma, redis, queues, ...(options.checkJob ? { checkJob: options.checkJob } : {}) }, logger });

  // Postgres is the truth: jobs it holds as queued but Redis lost (crash, flush) are enqueued again.
  const reconcile = async () => {
    try {
      const { enqueued, recovered } = await reconcileQueues(pool, queues, { graceMs: config.reconcileGraceMs, lostAfterMs: config.reconcileLostAfterMs });
      if (recovered > 0) logger.warn({ recovered }, 'reconciled: requeued running jobs that no worker or queue held');
      if (enqueued > 0) logger.warn({ enqueued }, 'reconciled: re-enqueued jobs missing from the queue');
      // Finished OOD sweeps get their evaluation table once.
      const { rows } = await pool.query(
        `SELECT s.id FROM sweeps s WHERE s.kind = 'ood' AND s.status IN ('succeeded', 'failed')
         AND NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.sweep_id = s.id)`,
      );
      for (const row of rows) {
        const evaluation = await app.sweepEvaluator.evaluate(row.id as string); // off the event loop
        logger.info({ sweepId: row.id, rows: evaluation.rows.length }, 'evaluated sweep');
      }
    } catch (error) {
      logger.error({ err: error }, 'reconcile failed');
    }
  };
  await reconcile();
  const timer = setInterval(reconcile, config.reconcileMs);

  await app.listen({ port: config.port, host: config.host });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // `pnpm coordinator` does not pass its SIGTERM on: a parent that went away stops this coordinator too.
    stopWhenOrphaned({ onOrphaned: (parent) => {
      logger.info({ parent }, 'parent process exited; stopping');
      stop();
    } });
  });
  clearInterval(timer);
  await app.close();
  await closeQueues(queues);
  redis.disconnect();
  await prisma.$disconnect();
  await pool.end();
}
