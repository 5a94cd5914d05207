/**
 * The database-backed ExecutionHost of one attempt: what a handler's context writes goes to PostgreSQL (progress,
 * logs, metrics, provenance, results, shared cache) and the artifact store, every write fenced by the attempt
 * number. The worker runs each job through one; `dgm-ood train|ood` runs a single config through the same.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from '@dgm-ood/db';
import {
  appendLogs, DeterministicJobError, findModelReferences, listArtifacts, readSharedCache, recordBackend, recordMetrics, recordProvenance,
  removeArtifact, reportProgress, resolveModelReference, restoreWorkdir, saveArtifact, writeResults, writeSharedCache,
  type ArtifactStore, type JsonValue, type LogLine, type ProgressReport, type ResolvedModelDir,
} from '@dgm-ood/jobs';
import type { ExecutionHost } from './executors/executor.js';

export interface DatabaseHostOptions {
  pool: Pool;
  store: ArtifactStore;
  job: { id: string; attempt: number; workdir: string; workdirKey: string };
  /** Every log line, as it comes (it is also stored, buffered and flushed every second). */
  log(line: LogLine): void;
  /** After a progress report was stored (at most every 500 ms, and always the one with fraction 1). */
  onStoredProgress?(report: ProgressReport): Promise<void>;
  /** Storing buffered log lines failed (they are dropped: logs must never fail a job). */
  onLogFlushError?(error: unknown): void;
}

export interface DatabaseHost {
  host: ExecutionHost;
  /** Stores the log lines buffered so far. */
  flushLogs(): Promise<void>;
  /** Stops the periodic log flush (call flushLogs first to keep the last lines). */
  stop(): void;
}

export function createDatabaseHost(options: DatabaseHostOptions): DatabaseHost {
  const { pool, store, job } = options;
  const buffered: LogLine[] = [];
  const flushLogs = async () => {
    const lines = buffered.splice(0);
    await appendLogs(pool, job.id, job.attempt, lines).catch((error: unknown) => options.onLogFlushError?.(error));
  };
  const flushTimer = setInterval(() => void flushLogs(), 1000);
  let lastProgress = 0;
  let recordedBackend: string | undefined;
  const host: ExecutionHost = {
    async progress(report: ProgressReport) {
      if (typeof report.backend === 'string' && report.backend !== recordedBackend) {
        recordedBackend = report.backend;
        await recordBackend(pool, job.id, job.attempt, report.backend);
      }
      const now = Date.now();
      if (now - lastProgress < 500 && report.fraction !== 1) return; // throttled: the DB is not a metrics store
      lastProgress = now;
      await reportProgress(pool, job.id, job.attempt, report);
      await options.onStoredProgress?.(report);
    },
    provenance: (fields) => recordProvenance(pool, job.id, job.attempt, fields),
    metrics: (points) => recordMetrics(pool, job.id, job.attempt, points),
    cacheGet: (key) => readSharedCache(pool, key),
    cachePut: (key, value) => writeSharedCache(pool, job.id, key, value),
    writeResults: (rows) => writeResults(pool, job.id, job.attempt, rows),
    saveArtifact: (name, kind) => saveArtifact(pool, store, job, name, kind),
    removeArtifact: (name) => removeArtifact(pool, store, job, name),
    listArtifacts: () => listArtifacts(pool, job.id),
    log(line) {
      buffered.push(line);
      options.log(line);
    },
  };
  return { host, flushLogs, stop: () => clearInterval(flushTimer) };
}

/**
 * `{sweep, job}` references of a config → the trained models' working directories under `modelDir`, restored
 * from the artifact store. A reference to nothing, or to a job that has not succeeded, is a deterministic failure.
 */
export async function resolveModelDirs(pool: Pool, store: ArtifactStore, modelDir: string, config: JsonValue): Promise<Record<string, ResolvedModelDir>> {
  const models: Record<string, ResolvedModelDir> = {};
  for (const ref of findModelReferences(config)) {
    const resolved = await resolveModelReference(pool, ref).catch((error: Error) => {
      throw new DeterministicJobError(error.message);
    });
    if (resolved.state !== 'succeeded') {
      throw new DeterministicJobError(`${ref.path}: the referenced job ${resolved.jobId} is ${resolved.state}, not succeeded`);
    }
    const dir = join(modelDir, resolved.workdirKey);
    await mkdir(dir, { recursive: true });
    await restoreWorkdir(pool, store, resolved.jobId, dir);
    models[ref.path] = { jobId: resolved.jobId, workdir: dir };
  }
  return models;
}
