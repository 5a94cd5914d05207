// `pnpm worker [--queues train,ood] [--concurrency N] [--handlers m1,m2] [--isolation process|inline]
//   [--lock-duration ms] [--stalled-interval ms] [--max-stalled N] [--shutdown-timeout ms] [--metrics-port N]`
import { parseArgs } from 'node:util';
import { ConfigInvalidError, createLogger, loadConfig, runMain, stopWhenOrphaned } from '@dgm-ood/config';
import { checkDatabase } from '@dgm-ood/db';
import { checkRedis, QUEUE_NAMES, type QueueName } from '@dgm-ood/queue';
import { DEFAULT_HANDLER_MODULES } from './handlers.js';
import { startWorker } from './worker.js';

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigInvalidError(`--${name} must be a positive integer (got ${JSON.stringify(value)})`);
  return n;
}

/** `--metrics-port` wins over WORKER_METRICS_PORT; neither: no metrics server. */
function metricsPort(flag: string | undefined, fromEnv: number | undefined): { metricsPort?: number } {
  if (flag === undefined) return fromEnv === undefined ? {} : { metricsPort: fromEnv };
  const n = Number(flag);
  if (!/^\d+$/.test(flag) || n > 65535) throw new ConfigInvalidError(`--metrics-port must be an integer from 0 to 65535 (got ${JSON.stringify(flag)})`);
  return { metricsPort: n };
}

await runMain(async () => {
  const { values } = parseArgs({
    options: {
      queues: { type: 'string', default: QUEUE_NAMES.join(',') },
      concurrency: { type: 'string' },
      handlers: { type: 'string' },
      isolation: { type: 'string', default: 'process' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      'max-stalled': { type: 'string' },
      'shutdown-timeout': { type: 'string' },
      'metrics-port': { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig();
  const logger = createLogger('worker', { level: config.logLevel });
  const queues = values.queues.split(',').map((q) => q.trim()).filter(Boolean);
  for (const q of queues) {
    if (!(QUEUE_NAMES as readonly string[]).includes(q)) throw new ConfigInvalidError(`--queues: unknown queue ${JSON.stringify(q)} (known: ${QUEUE_NAMES.join(', ')})`);
  }
  if (values.isolation !== 'process' && values.isolation !== 'inline') {
    throw new ConfigInvalidError(`--isolation must be process or inline (got ${JSON.stringify(values.isolation)})`);
  }
  const handlerModules = values.handlers !== undefined ? values.handlers.split(',').map((m) => m.trim()).filter(Boolean) : config.handlerModules;
  if (handlerModules?.length === 0) throw new ConfigInvalidError(`--handlers must name at least one module (got ${JSON.stringify(values.handlers)})`);
  const metrics = metricsPort(values['metrics-port'], config.workerMetricsPort);
  await Promise.all([checkDatabase(config.databaseUrl), checkRedis(config.redisUrl)]);
  const shutdownTimeoutMs = positiveInt('shutdown-timeout', values['shutdown-timeout'], 60_000);
  const worker = await startWorker({
    config,
    logger,
    queues: queues as QueueName[],
    concurrency: positiveInt('concurrency', values.concurrency, 1),
    handlerModules: handlerModules ?? DEFAULT_HANDLER_MODULES,
    isolation: values.isolation,
    lockDurationMs: positiveInt('lock-duration', values['lock-duration'], 30_000),
    stalledIntervalMs: positiveInt('stalled-interval', values['stalled-interval'], 30_000),
    maxStalledCount: positiveInt('max-stalled', values['max-stalled'], 3),
    shutdownTimeoutMs,
    ...metrics,
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      // Past the deadline the process exits anyway; its jobs' leases lapse and other workers take them.
      setTimeout(() => {
        logger.error('shutdown deadline passed; exiting with jobs still running');
        process.exit(1);
      }, shutdownTimeoutMs).unref();
      void worker.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // `pnpm worker` does not pass its SIGTERM on: a parent that went away stops this worker too.
    stopWhenOrphaned({ onOrphaned: (parent) => stop(`parent process ${parent} exited`) });
  });
});
