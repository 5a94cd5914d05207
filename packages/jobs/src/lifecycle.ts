import type pg from 'pg';
import { copyPointResults, withTransaction } from '@dgm-ood/db';
import type { RetryPolicy } from '@dgm-ood/queue';
import type { JobInfo, JobKind, JsonValue, MetricPoint, ProgressReport, ProvenanceFields, ResultRow } from './contract.js';
import { JobNotFoundError, StaleAttemptError } from './errors.js';
import { sweepRetryPolicy } from './policy.js';
import { markSweepRunning, settleSweepIfDone } from './sweep-status.js';

/**
 * Job state transitions in Postgres. Every write of an attempt is fenced by its attempt number:
 * once a newer attempt has started (the old one's lease lapsed), the old one's writes are refused.
 */

export type JobState = 'pending' | 'waiting' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface StartedAttempt {
  status: 'started';
  job: JobInfo;
  workdirKey: string;
  maxAttempts: number;
}
export interface SkippedAttempt {
  status: 'skipped';
  state: JobState;
  reason: string;
}

export interface ReleasedJob {
  jobId: string;
  sweepId: string;
  kind: JobKind;
  /** Its sweep's retry policy, to enqueue it with. */
  retry: RetryPolicy;
}


export async function startAttempt(
  pool: pg.Pool,
  jobId: string,
  worker: { workerId: string; backend?: string | null; provenance?: ProvenanceFields },
): Promise<StartedAttempt | SkippedAttempt> {
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query(
      `SELECT j.*, s.name AS sweep_name, s.kind AS sweep_kind FROM jobs j JOIN sweeps s ON s.id = j.sweep_id
       WHERE j.id = $1 FOR UPDATE OF j`,
      [jobId],
    );
    const row = rows[0];
    if (!row) throw new JobNotFoundError(jobId);
    const state = row.state as JobState;
    if (state === 'succeeded' || state === 'cancelled' || state === 'failed' || state === 'waiting') {
      return { status: 'skipped', state, reason: `job is ${state}` } satisfies SkippedAttempt;
    }
    const attempt = (row.attempts as number) + 1;
    // The job's provenance is its latest attempt's: an earlier attempt's record does not describe this result.
    const provenance = worker.provenance === undefined ? null : JSON.stringify(worker.provenance);
    await client.query(
      `UPDATE jobs SET state = 'running', attempts = $2, worker_id = $3, backend = $4, provenance = $5::jsonb, error = NULL,
         started_at = coalesce(started_at, now()), finished_at = NULL, updated_at = now() WHERE id = $1`,
      [jobId, attempt, worker.workerId, worker.backend ?? null, provenance],
    );
    // An earlier attempt still marked running died without a word (process killed, lease lapsed).
    await client.query(
      `UPDATE job_attempts SET outcome = 'interrupted', finished_at = now() WHERE job_id = $1 AND outcome = 'running'`,
      [jobId],
    );
    await client.query(
      `INSERT INTO job_attempts (job_id, attempt, worker_id, backend, provenance) VALUES ($1, $2, $3, $4, $5::jsonb)`,
      [jobId, attempt, worker.workerId, worker.backend ?? null, provenance],
    );
    // The new attempt's results replace everything earlier attempts wrote.
    await client.query('DELETE FROM point_results WHERE job_id = $1', [jobId]);
    await markSweepRunning(client, row.sweep_id as string);
    return {
      status: 'started',
      workdirKey: row.workdir_key as string,
      maxAttempts: row.max_attempts as number,
      job: {
        id: jobId,
        sweepId: row.sweep_id as string,
        sweepName: row.sweep_name as string,
        kind: row.sweep_kind as JobKind,
        name: row.name as string,
        gridIndex: row.grid_index as number,
        attempt,
        config: row.config as JsonValue,
        configHash: row.config_hash as string,
      },
    } satisfies StartedAttempt;
  });
}

/** Locks the job row (shared) and checks that `attempt` still owns it. */
async function assertCurrent(client: pg.PoolClient, jobId: string, attempt: number): Promise<string> {
  const { rows } = await client.query(`SELECT attempts, state, sweep_id FROM jobs WHERE id = $1 FOR SHARE`, [jobId]);
  const row = rows[0];
  if (!row) throw new JobNotFoundError(jobId);
  if (row.attempts !== attempt || row.state !== 'running') throw new StaleAttemptError(jobId, attempt, row.attempts);
  return row.sweep_id as string;
}

export async function writeResults(pool: pg.Pool, jobId: string, attempt: number, rows: readonly ResultRow[]): Promise<number> {
  return withTransaction(pool, async (client) => {
    await assertCurrent(client, jobId, attempt);
    return copyPointResults(client, rows.map((row) => ({ ...row, jobId })));
  });
}

/**
 * The execution backend an attempt runs on (reported by its handler), on the job and the attempt, as a
 * column and in their provenance. A stale attempt's report matches no job row (dropped, like its progress).
 */
export async function recordBackend(pool: pg.Pool, jobId: string, attempt: number, backend: string): Promise<void> {
  const merge = `provenance = coalesce(provenance, '{}'::jsonb) || jsonb_build_object('backend', $3::text)`;
  await pool.query(`UPDATE jobs SET backend = $3, ${merge} WHERE id = $1 AND attempts = $2`, [jobId, attempt, backend]);
  await pool.query(`UPDATE job_attempts SET backend = $3, ${merge} WHERE job_id = $1 AND attempt = $2`, [jobId, attempt, backend]);
}

/**
 * Shallow-merges `fields` into the attempt's and the job's provenance (a key written again is replaced).
 * Throws StaleAttemptError when the attempt no longer owns the job: its record would describe no result.
 */
export async function recordProvenance(pool: pg.Pool, jobId: string, attempt: number, fields: ProvenanceFields): Promise<void> {
  await withTransaction(pool, async (client) => {
    await assertCurrent(client, jobId, attempt);
    const json = JSON.stringify(fields);
    await client.query(`UPDATE jobs SET provenance = coalesce(provenance, '{}'::jsonb) || $2::jsonb WHERE id = $1`, [jobId, json]);
    await client.query(
      `UPDATE job_attempts SET provenance = coalesce(provenance, '{}'::jsonb) || $3::jsonb WHERE job_id = $1 AND attempt = $2`,
      [jobId, attempt, json],
    );
  });
}

/** Upserts metric points of an attempt on (job, name, scope, step); refused for a stale attempt. */
export async function recordMetrics(pool: pg.Pool, jobId: string, attempt: number, points: readonly MetricPoint[]): Promise<void> {
  if (points.length === 0) return;
  await withTransaction(pool, async (client) => {
    await assertCurrent(client, jobId, attempt);
    await client.query(
      `INSERT INTO job_metrics (job_id, attempt, name, scope, step, epoch, value)
       SELECT $1, $2, m.name, m.scope, m.step, m.epoch, m.value
         FROM unnest($3::text[], $4::text[], $5::int[], $6::int[], $7::float8[]) AS m(name, scope, step, epoch, value)
       ON CONFLICT (job_id, name, scope, step)
       DO UPDATE SET attempt = EXCLUDED.attempt, epoch = EXCLUDED.epoch, value = EXCLUDED.value, recorded_at = now()`,
      [
        jobId,
        attempt,
        points.map((p) => p.name),
        points.map((p) => p.scope),
        points.map((p) => p.step),
        points.map((p) => p.epoch),
        points.map((p) => (p.value !== null && Number.isFinite(p.value) ? p.value : null)),
      ],
    );
  });
}

/** What any job stored under a shared-cache key, or null. */
export async function readSharedCache(pool: pg.Pool, key: string): Promise<JsonValue | null> {
  const { rows } = await pool.query('SELECT value FROM shared_cache WHERE key = $1', [key]);
  return rows.length ? (rows[0].value as JsonValue) : null;
}

/** Stores a shared-cache value unless one is there (the first writer wins); returns the value kept. */
export async function writeSharedCache(pool: pg.Pool, jobId: string, key: string, value: JsonValue): Promise<JsonValue> {
  await pool.query('INSERT INTO shared_cache (key, value, job_id) VALUES ($1, $2::jsonb, $3) ON CONFLICT (key) DO NOTHING', [key, JSON.stringify(value), jobId]);
  return (await readSharedCache(pool, key))!;
}

/** Returns false when the attempt no longer owns the job (progress of a stale attempt is dropped). */
export async function reportProgress(pool: pg.Pool, jobId: string, attempt: number, progress: ProgressReport): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE jobs SET progress = $3, updated_at = now() WHERE id = $1 AND attempts = $2 AND state = 'running'`,
    [jobId, attempt, JSON.stringify(progress)],
  );
  return rowCount === 1;
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

export async function appendLogs(pool: pg.Pool, jobId: string, attempt: number, lines: readonly LogLine[]): Promise<void> {
  if (lines.length === 0) return;
  await pool.query(
    `INSERT INTO job_logs (job_id, attempt, level, message, data)
     SELECT $1, $2, level, message, data::jsonb FROM unnest($3::text[], $4::text[], $5::text[]) AS t(level, message, data)`,
    [
      jobId,
      attempt,
      lines.map((l) => l.level),
      lines.map((l) => l.message),
      lines.map((l) => (l.data === undefined ? null : JSON.stringify(l.data))),
    ],
  );
}

/** Marks the attempt succeeded and queues the jobs that were waiting only for it. */
export async function completeAttempt(
  pool: pg.Pool,
  jobId: string,
  attempt: number,
  summary: JsonValue | undefined,
): Promise<ReleasedJob[]> {
  return withTransaction(pool, async (client) => {
    const sweepId = await assertCurrent(client, jobId, attempt);
    await client.query(
      `UPDATE jobs SET state = 'succeeded', summary = $2, error = NULL, finished_at = now(), updated_at = now() WHERE id = $1`,
      [jobId, summary === undefined ? null : JSON.stringify(summary)],
    );
    await client.query(
      `UPDATE job_attempts SET outcome = 'succeeded', finished_at = now() WHERE job_id = $1 AND attempt = $2`,
      [jobId, attempt],
    );
    const { rows } = await client.query(
      `UPDATE jobs d SET state = 'queued', updated_at = now()
       FROM sweeps s
       WHERE s.id = d.sweep_id AND d.state = 'waiting'
         AND d.id IN (SELECT job_id FROM job_dependencies WHERE depends_on_id = $1)
         AND NOT EXISTS (SELECT 1 FROM job_dependencies x JOIN jobs p ON p.id = x.depends_on_id
                         WHERE x.job_id = d.id AND p.state <> 'succeeded')
       RETURNING d.id AS job_id, d.sweep_id, s.kind, s.options`,
      [jobId],
    );
    await settleSweepIfDone(client, sweepId);
    return rows.map((r) => ({
      jobId: r.job_id as string, sweepId: r.sweep_id as string, kind: r.kind as JobKind, retry: sweepRetryPolicy(r.options),
    }));
  });
}

/**
 * Records a failed attempt. Not final: the job goes back to `queued` (the queue retries it with
 * backoff). Final: the job fails, and so does every job waiting on it, with a reason naming it.
 */
export async function failAttempt(
  pool: pg.Pool,
  jobId: string,
  attempt: number,
  message: string,
  final: boolean,
): Promise<void> {
  await withTransaction(pool, async (client) => {
    const sweepId = await assertCurrent(client, jobId, attempt);
    await client.query(
      `UPDATE jobs SET state = $2::job_state, error = $3, finished_at = CASE WHEN $4 THEN now() END, updated_at = now()
       WHERE id = $1`,
      [jobId, final ? 'failed' : 'queued', message, final],
    );
    await client.query(
      `UPDATE job_attempts SET outcome = 'failed', error = $3, finished_at = now() WHERE job_id = $1 AND attempt = $2`,
      [jobId, attempt, message],
    );
    if (final) await failDependents(client, jobId, message);
    if (final) await settleSweepIfDone(client, sweepId);
  });
}

/** Fails, transitively, every waiting job that depends on one of `jobIds`. */
export async function failDependents(client: pg.PoolClient, jobIds: string | readonly string[], message: string): Promise<void> {
  // One statement for any number of prerequisites: a cancelled 100k-job sweep is one query, not 100k.
  const ids = typeof jobIds === 'string' ? [jobIds] : [...jobIds];
  if (ids.length === 0) return;
  const { rows } = await client.query(
    `WITH RECURSIVE blocked(id, cause) AS (
       SELECT d.job_id, d.depends_on_id FROM job_dependencies d WHERE d.depends_on_id = ANY($1::uuid[])
       UNION
       SELECT d.job_id, d.depends_on_id FROM job_dependencies d JOIN blocked b ON d.depends_on_id = b.id
     )
     UPDATE jobs j SET state = 'failed', finished_at = now(), updated_at = now(),
       error = 'dependency failed: job ' || c.grid_index || ' (' || c.name || ') of sweep ' || s.name || ' failed: ' || $2
     FROM blocked b JOIN jobs c ON c.id = b.cause JOIN sweeps s ON s.id = c.sweep_id
     WHERE j.id = b.id AND j.state IN ('pending', 'waiting', 'queued')
     RETURNING j.sweep_id`,
    [ids, message],
  );
  for (const sweepId of new Set(rows.map((r) => r.sweep_id as string))) await settleSweepIfDone(client, sweepId);
}

/** The worker stopped (shutdown) after checkpointing: back to the queue, the attempt counted. */
export async function interruptAttempt(pool: pg.Pool, jobId: string, attempt: number, reason: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    // Back to the queue: the sweep stays active, its status does not change.
    await assertCurrent(client, jobId, attempt);
    await client.query(`UPDATE jobs SET state = 'queued', updated_at = now() WHERE id = $1`, [jobId]);
    await client.query(
      `UPDATE job_attempts SET outcome = 'interrupted', error = $3, finished_at = now() WHERE job_id = $1 AND attempt = $2`,
      [jobId, attempt, reason],
    );
  });
}

/** The running attempt stopped because its job was cancelled (the job row is already `cancelled`). */
export async function recordCancelledAttempt(pool: pg.Pool, jobId: string, attempt: number): Promise<void> {
  await withTransaction(pool, async (client) => {
    await client.query(
      `UPDATE job_attempts SET outcome = 'cancelled', finished_at = now() WHERE job_id = $1 AND attempt = $2 AND outcome = 'running'`,
      [jobId, attempt],
    );
    const { rows } = await client.query(
      `UPDATE jobs SET state = 'cancelled', finished_at = coalesce(finished_at, now()), updated_at = now()
       WHERE id = $1 AND state IN ('running', 'cancelled') RETURNING sweep_id`,
      [jobId],
    );
    if (rows[0]) await settleSweepIfDone(client, rows[0].sweep_id as string);
  });
}
