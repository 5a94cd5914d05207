// On demand (not CI): the training acceptance run of issue 6. Submits meta_configurations/flows/
// fmnist_cpu_flows.yaml (or FILE) through the coordinator, runs a worker process, kills it with SIGKILL after
// --kill-after minutes, starts another, and reports per job: attempts, where it resumed, test bits/dim.
// Usage: pnpm check:flow-training [FILE] [--kill-after 5] [--concurrency 2]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createLogger, loadConfig, runMain } from '@dgm-ood/config';
import { createPool, createPrismaClient } from '@dgm-ood/db';
import { createTestDatabase } from '@dgm-ood/db/testing';
import { buildApp } from '@dgm-ood/coordinator';
import { closeQueues, createQueues, createRedis } from '@dgm-ood/queue';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const t0 = Date.now();
const say = (line: string) => process.stdout.write(`[${((Date.now() - t0) / 60000).toFixed(1)} min] ${line}\n`);

await runMain(async () => {
  const { values, positionals } = parseArgs({
    options: { 'kill-after': { type: 'string', default: '5' }, concurrency: { type: 'string', default: '2' } },
    allowPositionals: true,
  });
  const file = positionals[0] ?? join(ROOT, 'meta_configurations/flows/fmnist_cpu_flows.yaml');
  const db = await createTestDatabase();
  const config = { ...loadConfig(), databaseUrl: db.url, queuePrefix: `check${randomBytes(3).toString('hex')}`, logLevel: 'warn' as const };
  const pool = createPool(db.url);
  const prisma = createPrismaClient(db.url);
  const redis = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  const app = await buildApp({ services: { config, pool, prisma, redis, queues }, logger: createLogger('coordinator', { level: 'warn' }) });
  const worker = (): ChildProcess =>
    spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'apps/worker/src/main.ts'), '--queues', 'train', '--concurrency', values.concurrency!, '--lock-duration', '15000', '--stalled-interval', '5000'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url, DGM_OOD_QUEUE_PREFIX: config.queuePrefix, LOG_LEVEL: 'warn', DGM_OOD_WASM_THREADS: values.concurrency === '1' ? '2' : '1' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  let current = worker();
  try {
    const response = await app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: readFileSync(file, 'utf8') });
    if (response.statusCode !== 201) throw new Error(`POST /sweeps: ${response.body}`);
    const { id, jobCount } = response.json() as { id: string; jobCount: number };
    say(`sweep ${id}: ${jobCount} training jobs; worker pid ${current.pid}; MODEL_DIR ${config.modelDir}`);
    const killAt = Date.now() + Number(values['kill-after']) * 60_000;
    let killed = false;
    for (;;) {
      await new Promise((r) => setTimeout(r, 15_000));
      const jobs = (await app.inject({ url: `/sweeps/${id}/jobs` })).json().items as { name: string; state: string; attempts: number; progress: Record<string, unknown> | null }[];
      say(jobs.map((j) => `${j.name}: ${j.state} a${j.attempts} ${JSON.stringify(j.progress ?? {})}`).join(' | '));
      if (!killed && Date.now() > killAt) {
        current.kill('SIGKILL');
        killed = true;
        say(`killed the worker (SIGKILL, pid ${current.pid}); starting another`);
        current = worker();
      }
      if (jobs.every((j) => ['succeeded', 'failed', 'cancelled'].includes(j.state))) break;
    }
    const jobs = (await app.inject({ url: `/sweeps/${id}/jobs` })).json().items as { id: string }[];
    for (const { id: jobId } of jobs) {
      const job = (await app.inject({ url: `/jobs/${jobId}` })).json();
      say(`${job.name}: ${job.state}, attempts ${job.attemptLog.map((a: { outcome: string }) => a.outcome).join(' → ')}, artifacts ${job.artifacts.length}`);
      say(`  summary ${JSON.stringify(job.summary)}${job.error ? ` error ${job.error}` : ''}`);
    }
  } finally {
    current.kill('SIGTERM');
    await app.close();
    await closeQueues(queues);
    redis.disconnect();
    await prisma.$disconnect();
    await pool.end();
  }
});
