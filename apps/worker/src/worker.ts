import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { AppConfig, Logger } from '@dgm-ood/config';
import { createPool } from '@dgm-ood/db';
import {
  completeAttempt, configuredArtifactStore, failAttempt, interruptAttempt, isDeterministicFailure, isStaleAttempt,
  listRequirementClasses, recordCancelledAttempt, recordHeartbeat, removeHeartbeat, restoreWorkdir, startAttempt,
  withRequirementClasses, type JsonValue,
} from '@dgm-ood/jobs';
import {
  classQueueName, createQueues, createRedis, closeQueues, enqueueJobs, isCancellationRequested, meetsRequirement, onCancellation,
  withoutResources, type QueueName, type QueuedJobData,
} from '@dgm-ood/queue';
import { createDatabaseHost, resolveModelDirs } from './database-host.js';
import type { Executor } from './executors/executor.js';
import { InlineExecutor } from './executors/inline.js';
import { ProcessExecutor } from './executors/process.js';
import { observeExecutor } from './job-observer.js';
import { baseProvenance, detectCodeVersion } from './provenance.js';
import { HandlerRegistry } from './registry.js';
import { startWorkerMetricsServer } from './worker-metrics.js';
import { detectWorkerResources, type AdvertisedResources } from './worker-resources.js';

export interface WorkerOptions {
  config: AppConfig;
  logger: Logger;
  queues: QueueName[];
  concurrency: number;
  handlerModules: string[];
  /** `process`: handlers run in child processes (default); `inline`: in this process. */
  isolation: 'process' | 'inline';
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  /** How long SIGTERM waits for running jobs to checkpoint and stop. */
  shutdownTimeoutMs: number;
  /** How often running jobs re-check their cancellation key (pub/sub is the fast path). */
  cancelPollMs?: number;
  workerId?: string;
  /** Serve Prometheus metrics on this port (0: any free one) at HOST; unset: no metrics server. */
  metricsPort?: number;
  /** What it advertises (device class, memory); unset: detected from the configuration and the machine. */
  resources?: AdvertisedResources;
}

export interface RunningWorker {
  workerId: string;
  /** Where this worker's Prometheus metrics are served, when `metricsPort` was given. */
  metricsUrl?: string;
  /** The queues it consumes now: its kinds' default queues and the requirement-class queues it meets. */
  consumedQueues(): string[];
  /** Looks for new requirement classes and refreshes the heartbeat now (it also does so every heartbeat interval). */
  refreshRequirementClasses(): Promise<void>;
  /** Stops taking jobs; running jobs are told to checkpoint ('shutdown') and are requeued. */
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config, logger } = options;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const provenance = baseProvenance(detectCodeVersion(config.codeVersion), workerId);
  // First, so that a port in use stops the worker before it holds any connection.
  const metrics = options.metricsPort === undefined ? undefined : await startWorkerMetricsServer({ port: options.metricsPort, host: config.host, workerId });
  if (metrics) logger.info({ url: metrics.url }, 'serving metrics');
  // Each running job holds at most one connection at a time; keep well under max_connections.
  const pool = createPool(config.databaseUrl, { max: Math.min(20, options.concurrency + 4) });
  const redis = createRedis(config.redisUrl);
  const subscriber = createRedis(config.redisUrl);
  const queues = createQueues(redis, config.queuePrefix);
  const store = configuredArtifactStore(config, pool);
  const registry = await HandlerRegistry.load(options.handlerModules);
  const isolated: Executor =
    options.isolation === 'inline' ? new InlineExecutor(registry) : new ProcessExecutor(options.handlerModules);
  const executor = metrics ? observeExecutor(isolated, metrics.observer) : isolated;
  const running = new Map<string, AbortController>();

  const stopCancellation = await onCancellation(subscriber, (ids) => {
    for (const id of ids) running.get(id)?.abort('cancelled');
  });
  const poll = setInterval(async () => {
    for (const [id, controller] of running) {
      if (!controller.signal.aborted && (await isCancellationRequested(redis, id).catch(() => false))) controller.abort('cancelled');
    }
  }, options.cancelPollMs ?? 5000);

  async function processJob(bullJob: Job<QueuedJobData>, token?: string): Promise<JsonValue> {
    const { jobId } = bullJob.data;
    const started = await startAttempt(pool, jobId, { workerId, provenance });
    if (started.status === 'skipped') {
      logger.info({ jobId, reason: started.reason }, 'skipping job');
      return { skipped: started.reason };
    }
    const { workdirKey, maxAttempts } = started;
    // `resources` is for scheduling; handlers read the rest (run_config.json below keeps it, as submitted).
    const job = { ...started.job, config: withoutResources(started.job.config) };
    const log = logger.child({ jobId, job: job.name, attempt: job.attempt });
    const controller = new AbortController();
    running.set(jobId, controller);

    const workdir = join(config.modelDir, workdirKey);
    const database = createDatabaseHost({
      pool,
      store,
      job: { id: jobId, attempt: job.attempt, workdir, workdirKey },
      log: (line) => log[line.level](line.data ?? {}, line.message),
      onStoredProgress: (report) => bullJob.updateProgress(report as object).catch(() => {}),
      onLogFlushError: (error) => log.warn({ err: error }, 'could not store job logs'),
    });
    const { host, flushLogs } = database;

    try {
      if (await isCancellationRequested(redis, jobId)) controller.abort('cancelled');
      await mkdir(workdir, { recursive: true });
      await writeFile(join(workdir, 'run_config.json'), `${JSON.stringify(started.job.config, null, 4)}\n`);
      const restored = await restoreWorkdir(pool, store, jobId, workdir);
      if (restored.length > 0) log.info({ restored }, 'restored the working directory from the artifact store');
      const models = await resolveModelDirs(pool, store, config.modelDir, job.config);
      const handler = registry.resolve(job.kind, job.config, jobId);
      log.info({ handler: handler.name, workdir }, 'job started');
      if (controller.signal.aborted) throw new Error('cancelled before start');
      const summary = await executor.run({ handlerName: handler.name, job, workdir, models, modelDir: config.modelDir }, host, controller.signal);
      await flushLogs();
      const released = await completeAttempt(pool, jobId, job.attempt, summary ?? null);
      if (released.length > 0) {
        await enqueueJobs(queues, await withRequirementClasses(pool, released.map((r) => ({ jobId: r.jobId, sweepId: r.sweepId, kind: r.kind, retry: r.retry }))));
        log.info({ released: released.length }, 'released dependent jobs');
      }
      log.info('job succeeded');
      return summary ?? null;
    } catch (error) {
      await flushLogs();
      const message = error instanceof Error ? error.message : String(error);
      const reason = controller.signal.reason as string | undefined;
      if (isStaleAttempt(error)) {
        log.warn({ err: error }, 'a newer attempt owns this job; dropping this one');
        throw new UnrecoverableError(message);
      }
      if (reason === 'cancelled') {
        await recordCancelledAttempt(pool, jobId, job.attempt);
        log.info('job cancelled');
        return { cancelled: true };
      }
      if (reason === 'shutdown') {
        await interruptAttempt(pool, jobId, job.attempt, 'worker shut down');
        log.info('job interrupted by shutdown; requeued');
        await bullJob.moveToDelayed(Date.now() + 1000, token);
        throw new DelayedError();
      }
      const deterministic = isDeterministicFailure(error);
      const final = deterministic || job.attempt >= maxAttempts || bullJob.attemptsMade + 1 >= (bullJob.opts.attempts ?? 1);
      await failAttempt(pool, jobId, job.attempt, message, final);
      log.warn({ err: error, final, deterministic }, final ? 'job failed' : 'attempt failed; will retry');
      if (final) throw new UnrecoverableError(message);
      throw error;
    } finally {
      database.stop();
      running.delete(jobId);
    }
  }

  // BullMQ does not close connections it is given: keep them to close on shutdown.
  const workerConnections: ReturnType<typeof createRedis>[] = [];
  const workers = new Map<string, Worker<QueuedJobData>>();
  const consume = (name: string) => {
    if (workers.has(name)) return;
    const connection = createRedis(config.redisUrl);
    workerConnections.push(connection);
    const worker = new Worker<QueuedJobData>(name, processJob, {
      connection,
      prefix: config.queuePrefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      maxStalledCount: options.maxStalledCount,
    });
    worker.on('error', (error) => logger.error({ err: error }, 'queue error'));
    workers.set(name, worker);
  };
  for (const name of options.queues) consume(name);

  const resources = options.resources ?? (await detectWorkerResources(config));
  logger.info({ workerId, device: resources.device, memoryGib: resources.memoryGib, backend: resources.backend, reason: resources.reason }, 'advertising resources');
  const servedClasses = new Set<string>();
  let closed = false;
  // New requirement classes appear with submissions: each heartbeat also looks for them.
  const refreshRequirementClasses = async () => {
    if (closed) return;
    for (const [name, requirement] of await listRequirementClasses(pool)) {
      if (servedClasses.has(name) || !meetsRequirement(resources, requirement)) continue;
      servedClasses.add(name);
      for (const kind of options.queues) consume(classQueueName(kind, name));
      logger.info({ requirementClass: name }, 'serving requirement class');
    }
    if (closed) return;
    await recordHeartbeat(pool, {
      workerId, hostname: hostname(), device: resources.device, memoryGib: resources.memoryGib, backend: resources.backend,
      kinds: options.queues, classes: [...servedClasses].sort(),
    });
  };
  await refreshRequirementClasses();
  // Kept so that close waits for it: a beat landing after the row's removal would show a gone worker as live.
  let beating: Promise<void> | undefined;
  const heartbeat = setInterval(() => {
    beating ??= refreshRequirementClasses()
      .catch((error) => logger.warn({ err: error }, 'could not refresh the heartbeat or requirement classes'))
      .finally(() => (beating = undefined));
  }, config.workerHeartbeatMs);
  logger.info(
    { workerId, codeVersion: provenance.codeVersion, dirty: provenance.dirty, queues: [...workers.keys()], concurrency: options.concurrency, isolation: options.isolation, handlers: registry.handlers.map((h) => h.name) },
    'worker started',
  );

  let closing: Promise<void> | undefined;
  return {
    workerId,
    ...(metrics ? { metricsUrl: metrics.url } : {}),
    consumedQueues: () => [...workers.keys()],
    refreshRequirementClasses,
    close() {
      closing ??= (async () => {
        logger.info({ running: [...running.keys()] }, 'shutting down: running jobs checkpoint and are requeued');
        closed = true;
        clearInterval(heartbeat);
        const stopped = Promise.all([...workers.values()].map((w) => w.close()));
        for (const controller of running.values()) controller.abort('shutdown');
        await stopped;
        await beating;
        await removeHeartbeat(pool, workerId).catch((error) => logger.warn({ err: error }, 'could not remove the heartbeat'));
        clearInterval(poll);
        await stopCancellation();
        await executor.close();
        await metrics?.close();
        await closeQueues(queues);
        subscriber.disconnect();
        redis.disconnect();
        for (const connection of workerConnections) connection.disconnect();
        await pool.end();
        logger.info('worker stopped');
      })();
      return closing;
    },
  };
}
