/**
 * `app.storage`: deleting sweeps with everything they stored, retention of finished sweeps (DGM_OOD_RETENTION_DAYS:
 * a pass when the coordinator starts and then hourly) and the garbage collection of orphaned artifacts. Retention
 * passes and collections run one at a time.
 */
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import {
  cleanUpAfterDeletion, deleteSweeps, existingWorkdirs, expiredSweeps, findOrphans, orphanedQueueEntries, planSweepDeletion, removeOrphans,
  removeQueueEntries, SweepActiveError, SweepHasDependentsError, type ExpiredSweep, type SweepDeletionReport,
} from '@dgm-ood/jobs';
import { stopSweep } from '../sweep-stopping.js';

export const RETENTION_INTERVAL_MS = 3_600_000;
/** How many orphans a garbage-collection report lists one by one (its totals count them all). */
const LISTED = 1000;

export interface DeleteRequest {
  /** Cancel unfinished jobs first (else they refuse the deletion). */
  cancel?: boolean;
  withDependents?: boolean;
  /** Report what would go; change nothing. */
  dryRun?: boolean;
}

export interface DeletionResult extends SweepDeletionReport {
  deleted: boolean;
  /** Working directories under MODEL_DIR removed after the commit (that would be, for a dry run). */
  workdirs: number;
  /** Jobs cancelled first (`cancel`); for a dry run, the unfinished jobs a deletion with `cancel` would cancel. */
  cancelled: number;
  /** Files and directories that could not be removed: orphans now, for the garbage collection. */
  leftBehind: number;
  queueEntries: number;
}

export interface RetentionResult {
  days: number;
  dryRun: boolean;
  /** Deleted (or, for a dry run, expired) sweeps. */
  sweeps: (Omit<ExpiredSweep, 'finishedAt'> & { finishedAt: string })[];
  kept: { id: string; name: string; neededBy: string[] }[];
  /** Expired sweeps a deletion refused (e.g. a job was retried meanwhile). */
  skipped: { id: string; name: string; reason: string }[];
}

export interface GarbageResult {
  dryRun: boolean;
  graceMinutes: number;
  largeObjects: { count: number; bytes: number; items: { oid: number; bytes: number }[] };
  workdirs: { count: number; bytes: number; items: { key: string; bytes: number }[] };
  queueEntries: { count: number };
  /** Orphans changed within the grace period, left alone. */
  recent: { largeObjects: number; workdirs: number };
  removed: { largeObjects: number; workdirs: number; queueEntries: number };
  failed: { path: string; error: string }[];
}

export interface StorageLifecycle {
  deleteSweep(id: string, request: DeleteRequest, log: FastifyBaseLogger): Promise<DeletionResult | undefined>;
  retention(days: number, options: { dryRun: boolean }, log: FastifyBaseLogger): Promise<RetentionResult>;
  collectGarbage(options: { dryRun: boolean; graceMinutes: number }, log: FastifyBaseLogger): Promise<GarbageResult>;
  /** Resolves once no retention pass or collection is running. */
  settled(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    storage: StorageLifecycle;
  }
}

const sum = (items: readonly { bytes: number }[]) => items.reduce((total, item) => total + item.bytes, 0);

export const storageLifecyclePlugin = fp(
  async (app) => {
    const { config, pool, queues, redis } = app.services;
    let last: Promise<unknown> = Promise.resolve();
    const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
      const run = last.then(work, work);
      last = run.catch(() => {});
      return run;
    };

    const deleteSweep: StorageLifecycle['deleteSweep'] = async (id, request, log) => {
      const options = { withDependents: request.withDependents ?? false };
      if (request.dryRun) {
        const plan = await planSweepDeletion(pool, [id], { ...options, allowActive: request.cancel ?? false });
        if (!plan) return undefined;
        const { unfinished, workdirKeys, ...report } = plan;
        return { ...report, deleted: false, workdirs: await existingWorkdirs(config.modelDir, workdirKeys), cancelled: unfinished, leftBehind: 0, queueEntries: 0 };
      }
      let cancelled = 0;
      if (request.cancel) {
        // Refusals (dependents) come before anything is cancelled.
        const plan = await planSweepDeletion(pool, [id], { ...options, allowActive: true });
        if (!plan) return undefined;
        for (const sweep of plan.sweeps) cancelled += (await stopSweep(app.services, sweep.id))?.cancelled ?? 0;
      }
      const deletion = await deleteSweeps(pool, [id], options);
      if (!deletion) return undefined;
      const { cleanup: _cleanup, ...report } = deletion;
      const outcome = await cleanUpAfterDeletion(deletion, { modelDir: config.modelDir, queues, redis });
      for (const failure of outcome.failed) log.warn(failure, 'sweep deletion: could not remove a file; the garbage collection will');
      log.info(
        { sweeps: report.sweeps.map((s) => ({ id: s.id, name: s.name })), jobs: report.jobs, results: report.results, largeObjects: report.largeObjects, workdirs: outcome.workdirs, cancelled },
        'deleted sweeps',
      );
      return { ...report, deleted: true, workdirs: outcome.workdirs, cancelled, leftBehind: outcome.failed.length, queueEntries: outcome.queueEntries };
    };

    const retention: StorageLifecycle['retention'] = (days, { dryRun }, log) =>
      exclusive(async () => {
        const plan = await expiredSweeps(pool, days);
        const result: RetentionResult = {
          days, dryRun, sweeps: [], skipped: [],
          kept: plan.kept.map((s) => ({ id: s.id, name: s.name, neededBy: s.neededBy })),
        };
        for (const sweep of plan.expired) {
          const listed = { id: sweep.id, name: sweep.name, kind: sweep.kind, finishedAt: sweep.finishedAt.toISOString() };
          if (dryRun) {
            result.sweeps.push(listed);
            continue;
          }
          try {
            if (await deleteSweep(sweep.id, {}, log)) result.sweeps.push(listed);
          } catch (error) {
            if (!(error instanceof SweepActiveError || error instanceof SweepHasDependentsError)) throw error;
            result.skipped.push({ id: sweep.id, name: sweep.name, reason: error.message });
          }
        }
        if (!dryRun && (result.sweeps.length > 0 || result.skipped.length > 0)) {
          log.info({ days, deleted: result.sweeps.length, kept: result.kept.length, skipped: result.skipped }, `retention: deleted the sweeps finished more than ${days} days ago`);
        }
        return result;
      });

    const collectGarbage: StorageLifecycle['collectGarbage'] = ({ dryRun, graceMinutes }, log) =>
      exclusive(async () => {
        const search = { modelDir: config.modelDir, graceMs: graceMinutes * 60_000 };
        const orphans = await findOrphans(pool, search);
        const entries = await orphanedQueueEntries(pool, queues, redis);
        const result: GarbageResult = {
          dryRun, graceMinutes,
          largeObjects: { count: orphans.largeObjects.length, bytes: sum(orphans.largeObjects), items: orphans.largeObjects.slice(0, LISTED) },
          workdirs: {
            count: orphans.workdirs.length, bytes: sum(orphans.workdirs),
            items: orphans.workdirs.slice(0, LISTED).map((w) => ({ key: w.key, bytes: w.bytes })),
          },
          queueEntries: { count: entries.train.length + entries.ood.length },
          recent: orphans.recent,
          removed: { largeObjects: 0, workdirs: 0, queueEntries: 0 },
          failed: [],
        };
        if (dryRun) return result;
        const removal = await removeOrphans(pool, search, orphans);
        result.removed = { largeObjects: removal.largeObjects, workdirs: removal.workdirs, queueEntries: await removeQueueEntries(queues, redis, entries) };
        result.failed = removal.failed;
        for (const failure of removal.failed) log.warn(failure, 'garbage collection: could not remove a directory');
        log.info({ removed: result.removed, bytes: result.largeObjects.bytes + result.workdirs.bytes, recent: result.recent }, 'garbage collection: removed orphaned artifacts');
        return result;
      });

    app.decorate('storage', { deleteSweep, retention, collectGarbage, settled: () => last.then(() => {}) } satisfies StorageLifecycle);

    const days = config.retentionDays;
    if (days !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      const pass = () => {
        retention(days, { dryRun: false }, app.log).catch((error) => app.log.error({ err: error }, 'retention pass failed'));
      };
      app.addHook('onReady', async () => {
        pass();
        timer = setInterval(pass, RETENTION_INTERVAL_MS);
        timer.unref();
      });
      app.addHook('onClose', async () => {
        clearInterval(timer);
        await last;
      });
      app.log.info({ days }, 'retention: sweeps finished more than this many days ago are deleted, hourly');
    }
  },
  { name: 'dgm-ood-storage-lifecycle', dependencies: ['dgm-ood-services'] },
);
