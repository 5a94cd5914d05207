import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { withTransaction } from '@dgm-ood/db';
import type { JobKind, JsonValue } from './contract.js';
import { failDependents } from './lifecycle.js';
import { refreshSweepStatus } from './sweep-status.js';

export interface NewJob {
  gridIndex: number;
  name: string;
  point: Record<string, JsonValue>;
  /** Canonical JSON text of the concrete config (keeps int/float fidelity in jsonb). */
  configJson: string;
  configHash: string;
  /** Ids of jobs (any sweep) that must succeed first. */
  dependsOn?: string[];
  /**
   * Its working directory relative to MODEL_DIR / the artifact store; default workdirKeyFor(sweep, grid index).
   * A single run (`dgm-ood train|ood`) keys it by its config, so that running the same config again resumes.
   */
  workdirKey?: string;
}

export interface NewSweep {
  name: string;
  kind: JobKind;
  sourceText: string;
  sourceFormat: 'yaml' | 'json';
  options: Record<string, JsonValue>;
  maxAttempts: number;
  jobs: NewJob[];
  /** An Idempotency-Key and the fingerprint of the request: a second sweep with the key violates a unique index. */
  idempotency?: { key: string; fingerprint: string };
}

export interface CreatedJob {
  id: string;
  gridIndex: number;
  state: 'queued' | 'waiting' | 'failed';
}

/** Where a job's working directory lives, relative to MODEL_DIR / the artifact store. Stable per job. */
export function workdirKeyFor(sweepId: string, gridIndex: number): string {
  return `checkpoints-${sweepId}/job-${gridIndex}`;
}

/**
 * Stores a sweep and all its jobs in one transaction. Jobs without pending dependencies start
 * `queued`; the caller enqueues them after the commit (a crash in between is repaired by reconcile).
 */
export async function createSweep(pool: pg.Pool, input: NewSweep): Promise<{ sweepId: string; jobs: CreatedJob[] }> {
  const sweepId = randomUUID();
  return withTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO sweeps (id, name, kind, source_text, source_format, options, job_count, idempotency_key, idempotency_fingerprint)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        sweepId, input.name, input.kind, input.sourceText, input.sourceFormat, JSON.stringify(input.options), input.jobs.length,
        input.idempotency?.key ?? null, input.idempotency?.fingerprint ?? null,
      ],
    );
    const ids = input.jobs.map(() => randomUUID());
    const chunk = 5000;
    for (let start = 0; start < input.jobs.length; start += chunk) {
      const jobs = input.jobs.slice(start, start + chunk);
      await client.query(
        `INSERT INTO jobs (id, sweep_id, grid_index, name, point, config, config_hash, workdir_key, max_attempts, state)
         SELECT id, $1, grid_index, name, point::jsonb, config::jsonb, config_hash, workdir_key, $2, 'queued'
         FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
           AS t(id, grid_index, name, point, config, config_hash, workdir_key)`,
        [
          sweepId,
          input.maxAttempts,
          ids.slice(start, start + chunk),
          jobs.map((j) => j.gridIndex),
          jobs.map((j) => j.name),
          jobs.map((j) => JSON.stringify(j.point)),
          jobs.map((j) => j.configJson),
          jobs.map((j) => j.configHash),
          jobs.map((j) => j.workdirKey ?? workdirKeyFor(sweepId, j.gridIndex)),
        ],
      );
    }
    const edges = input.jobs.flatMap((job, i) => (job.dependsOn ?? []).map((dep) => [ids[i]!, dep] as const));
    if (edges.length > 0) {
      // Lock the prerequisites first: a prerequisite finishing concurrently then waits for this commit and
      // sees the new dependents (releasing or failing them); otherwise each side would miss the other.
      await client.query(`SELECT id FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY id FOR SHARE`, [[...new Set(edges.map((e) => e[1]))]]);
      await client.query(
        `INSERT INTO job_dependencies (job_id, depends_on_id) SELECT * FROM unnest($1::uuid[], $2::uuid[]) ON CONFLICT DO NOTHING`,
        [edges.map((e) => e[0]), edges.map((e) => e[1])],
      );
      // Not all prerequisites done yet: wait. A prerequisite that already failed fails the job now.
      await client.query(
        `UPDATE jobs j SET state = 'waiting' WHERE j.sweep_id = $1 AND EXISTS (
           SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id
           WHERE d.job_id = j.id AND p.state <> 'succeeded')`,
        [sweepId],
      );
      const { rows: failedPrereqs } = await client.query(
        `SELECT DISTINCT p.id, p.error FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id JOIN jobs j ON j.id = d.job_id
         WHERE j.sweep_id = $1 AND p.state IN ('failed', 'cancelled')`,
        [sweepId],
      );
      for (const prereq of failedPrereqs) {
        await failDependents(client, prereq.id as string, (prereq.error as string | null) ?? 'it was cancelled');
      }
    }
    await refreshSweepStatus(client, sweepId);
    const { rows } = await client.query(`SELECT id, grid_index, state FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`, [sweepId]);
    return {
      sweepId,
      jobs: rows.map((r) => ({ id: r.id as string, gridIndex: r.grid_index as number, state: r.state as CreatedJob['state'] })),
    };
  });
}

export interface StoppedJobs {
  /** Jobs that had not started and are now cancelled (remove them from the queue). */
  notStarted: string[];
  /** Jobs that were running: their workers must be told (cancellation channel). */
  running: string[];
  kind: JobKind;
}

/** Cancels every non-terminal job of a sweep. */
export async function cancelSweep(pool: pg.Pool, sweepId: string): Promise<StoppedJobs | undefined> {
  return withTransaction(pool, async (client) => {
    const { rows: sweep } = await client.query(`SELECT kind FROM sweeps WHERE id = $1 FOR UPDATE`, [sweepId]);
    if (!sweep[0]) return undefined;
    const { rows } = await client.query(
      `WITH stopped AS (
         SELECT id, state FROM jobs WHERE sweep_id = $1 AND state IN ('pending', 'waiting', 'queued', 'running') FOR UPDATE
       )
       UPDATE jobs j SET state = 'cancelled', finished_at = now(), updated_at = now(),
         error = coalesce(j.error, 'cancelled by request')
       FROM stopped WHERE j.id = stopped.id RETURNING j.id, stopped.state AS previous`,
      [sweepId],
    );
    await failDependents(client, rows.map((row) => row.id as string), 'it was cancelled');
    await refreshSweepStatus(client, sweepId);
    return {
      kind: sweep[0].kind as JobKind,
      notStarted: rows.filter((r) => r.previous !== 'running').map((r) => r.id as string),
      running: rows.filter((r) => r.previous === 'running').map((r) => r.id as string),
    };
  });
}

/**
 * Puts jobs back to `queued` with a fresh attempt budget (the attempts already made stay counted
 * and recorded). `states` limits which jobs qualify. Returns the ids to enqueue (jobs whose
 * prerequisites are not all done wait for them instead).
 */
export async function requeueJobs(
  pool: pg.Pool,
  where: { sweepId: string } | { jobId: string },
  states: readonly ('failed' | 'cancelled' | 'succeeded')[],
  extraAttempts: number,
): Promise<string[]> {
  const column = 'sweepId' in where ? 'sweep_id' : 'id';
  const value = 'sweepId' in where ? where.sweepId : where.jobId;
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query(
      `UPDATE jobs SET state = 'queued', error = NULL, finished_at = NULL, updated_at = now(),
         max_attempts = attempts + $3
       WHERE ${column} = $1 AND state = ANY($2::job_state[]) RETURNING id, sweep_id`,
      [value, states, extraAttempts],
    );
    // A job whose prerequisites are not (or no longer) all done waits for them instead.
    const { rows: waiting } = await client.query(
      `UPDATE jobs j SET state = 'waiting' WHERE j.id = ANY($1::uuid[]) AND EXISTS (
         SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id
         WHERE d.job_id = j.id AND p.state <> 'succeeded') RETURNING j.id`,
      [rows.map((r) => r.id)],
    );
    for (const sweepId of new Set(rows.map((r) => r.sweep_id as string))) await refreshSweepStatus(client, sweepId);
    const stillWaiting = new Set(waiting.map((r) => r.id as string));
    return rows.map((r) => r.id as string).filter((id) => !stillWaiting.has(id));
  });
}
