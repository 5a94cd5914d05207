// What the on-demand checks share: a fresh database (kept afterwards, for inspection), the coordinator app on it
// with this deployment's catalog, worker processes on its queues, and timestamped output.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig, type AppConfig } from '@dgm-ood/config';
import { createPool, createPrismaClient, type Pool } from '@dgm-ood/db';
import { createTestDatabase } from '@dgm-ood/db/testing';
import { buildApp, type CoordinatorApp } from '@dgm-ood/coordinator';
import { closeQueues, createQueues, createRedis } from '@dgm-ood/queue';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();

/** A line prefixed with the minutes since the check started. */
export const say = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 60000).toFixed(1)} min] ${line}\n`);

export interface CheckServices {
  app: CoordinatorApp;
  pool: Pool;
  config: AppConfig;
  /** `pnpm worker` with these arguments, as its own OS process, on this check's database and queues. */
  spawnWorker(args: string[], env?: Record<string, string>): ChildProcess;
  close(): Promise<void>;
}

export async function startCheckServices(): Promise<CheckServices> {
  const db = await createTestDatabase();
  const config: AppConfig = { ...loadConfig(), databaseUrl: db.url, queuePrefix: `check${randomBytes(3).toString('hex')}`, logLevel: 'warn' };
  const pool = createPool(db.url);
  const prisma = createPrismaClient(db.url);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  const app = await buildApp({ services: { config, pool, prisma, redis, queues }, logger: createLogger('coordinator', { level: 'warn' }) });
  const workers: ChildProcess[] = [];
  return {
    app,
    pool,
    config,
    spawnWorker(args, env = {}) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/worker/src/main.ts'), ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url, DGM_OOD_QUEUE_PREFIX: config.queuePrefix, LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      workers.push(child);
      return child;
    },
    async close() {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
      await app.close();
      await closeQueues(queues);
      redis.disconnect();
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
