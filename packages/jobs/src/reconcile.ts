import type pg from 'pg';
import { withTransaction } from '@dgm-ood/db';
import { enqueueJobs, queueFor, type EnqueueItem, type Queues } from '@dgm-ood/queue';
import type { JobKind } from './contract.js';
import { failDependents, interruptAttempt } from './lifecycle.js';
import { DEFAULT_BACKOFF_MS } from './policy.js';
import { requirementClassOfConfig } from './requirement-classes.js';
import { refreshSweepStatus } from './sweep-status.js';

/**
 * Repairs the gap between Postgres (the truth) and Redis: jobs `queued` in the database that the
 * queue does not hold (a crash between commit and enqueue, a flushed Redis) are enqueued again.
 * Only jobs untouched for `graceMs` are considered, so fresh submissions are not raced.
 */
export interface ReconcileOptions {
  graceMs?: number;
  /** A running job untouched this long that no queue holds is taken as lost (its worker and queue entry gone). */
  lostAfterMs?: number;
}

const inFlight = new WeakMap<pg.Pool, Promise<{ enqueued: number; recovered: number }>>();

/**
 * One reconcile pass at a time per database: a pass over 100k queued jobs takes longer than the interval that
 * starts the next, and two passes would enqueue the same jobs twice. A caller arriving meanwhile gets the running
 * pass's result.
 */
export function reconcileQueues(pool: pg.Pool, queues: Queues, options: ReconcileOptions = {}): Promise<{ enqueued: number; recovered: number }> {
  const running = inFlight.get(pool);
  if (running) return running;
  const pass = reconcileOnce(pool, queues, options).finally(() => inFlight.delete(pool));
  inFlight.set(pool, pass);
  return pass;
}

async function reconcileOnce(pool: pg.Pool, queues: Queues, options: ReconcileOptions): Promise<{ enqueued: number; recovered: number }> {
  await settleWaitingJobs(pool);
  await settleFinishedSweeps(pool);
  const recovered = await recoverLostRunningJobs(pool, queues, options.lostAfterMs ?? 60_000);
  const { rows } = await pool.query(
    `SELECT j.id, j.sweep_id, s.kind, j.max_attempts, j.attempts, j.config->'resources' AS resources FROM jobs j JOIN sweeps s ON s.id = j.sweep_id
     WHERE j.state = 'queued' AND j.updated_at < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY s.created_at, j.grid_index`,
    [options.graceMs ?? 30_000],
  );
  const missing: EnqueueItem[] = [];
  for (const row of rows) {
    const kind = row.kind as JobKind;
    const requirementClass = requirementClassOf(row);
    const queue = queueFor(queues, kind, requirementClass);
    const state = await queue.getJobState(row.id as string);
    if (LIVE_STATES.has(state)) continue;
    // Postgres again, after Redis: a worker may have taken, run and finished the job since the query above (its queue
    // entry then gone), and enqueueing it again would run it twice. Still queued with the same attempts: untouched.
    const now = await pool.query(`SELECT state, attempts FROM jobs WHERE id = $1`, [row.id]);
    if (now.rows[0]?.state !== 'queued' || now.rows[0].attempts !== row.attempts) continue;
    // A finished entry, or a hash that outlived its list entry ('unknown'): removed, or adding the same id is a no-op.
    await (await queue.getJob(row.id as string))?.remove().catch(() => {});
    missing.push({
      jobId: row.id as string,
      sweepId: row.sweep_id as string,
      kind,
      retry: { attempts: Math.max(1, (row.max_attempts as number) - (row.attempts as number)), backoffMs: DEFAULT_BACKOFF_MS },
      ...(requirementClass !== undefined ? { requirementClass } : {}),
    });
  }
  await enqueueJobs(queues, missing);
  return { enqueued: missing.length, recovered };
}

/** A row's requirement class, from the `resources` the query selected out of its config. */
function requirementClassOf(row: { resources?: unknown }): string | undefined {
  return row.resources === null || row.resources === undefined ? undefined : requirementClassOfConfig({ resources: row.resources });
}

/** BullMQ states in which a worker holds the job or will take it. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/**
 * Jobs `running` in Postgres that no worker holds and no queue will hand out again — a worker killed while Redis
 * lost its data (a restart without persistence), say — would stay running forever. Each goes back to `queued`
 * (its attempt ends as interrupted, naming why), back-dated so the same pass enqueues it.
 */
async function recoverLostRunningJobs(pool: pg.Pool, queues: Queues, lostAfterMs: number): Promise<number> {
  const { rows } = await pool.query(
    `SELECT j.id, j.attempts, s.kind, j.config->'resources' AS resources FROM jobs j JOIN sweeps s ON s.id = j.sweep_id
     WHERE j.state = 'running' AND j.updated_at < now() - make_interval(secs => $1::double precision / 1000)`,
    [lostAfterMs],
  );
  let recovered = 0;
  for (const row of rows) {
    const state = await queueFor(queues, row.kind as JobKind, requirementClassOf(row)).getJobState(row.id as string);
    if (LIVE_STATES.has(state)) continue;
    try {
      await interruptAttempt(pool, row.id as string, row.attempts as number, `lost: no worker held it and the queue had no entry for it (${state}); requeued by reconcile`);
    } catch {
      continue; // a newer attempt took it meanwhile: it is not lost
    }
    await pool.query(`UPDATE jobs SET updated_at = now() - interval '1 hour' WHERE id = $1 AND state = 'queued'`, [row.id]);
    recovered++;
  }
  return recovered;
}

/**
 * Safety net for dependencies: waiting jobs whose prerequisites all succeeded become queued; those
 * with a failed or cancelled prerequisite fail with its reason.
 */
// Released jobs are back-dated past the grace period so the same reconcile pass enqueues them.
export async function settleWaitingJobs(pool: pg.Pool): Promise<void> {
  await pool.query(
    `UPDATE jobs j SET state = 'queued', updated_at = now() - interval '1 hour'
     WHERE j.state = 'waiting' AND NOT EXISTS (
       SELECT 1 FROM job_dependencies d JOIN jobs p ON p.id = d.depends_on_id WHERE d.job_id = j.id AND p.state <> 'succeeded')`,
  );
  const { rows } = await pool.query(
    `SELECT DISTINCT p.id, coalesce(p.error, 'it was cancelled') AS error FROM jobs j
     JOIN job_dependencies d ON d.job_id = j.id JOIN jobs p ON p.id = d.depends_on_id
     WHERE j.state = 'waiting' AND p.state IN ('failed', 'cancelled')`,
  );
  for (const prereq of rows) {
    await withTransaction(pool, (client) => failDependents(client, prereq.id as string, prereq.error as string));
  }
}

/** Safety net: sweeps still marked active although none of their jobs is get their final status. */
export async function settleFinishedSweeps(pool: pg.Pool): Promise<void> {
  const { rows } = await pool.query(
    `SELECT s.id FROM sweeps s WHERE s.status IN ('pending', 'running')
     AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.sweep_id = s.id AND j.state IN ('pending', 'waiting', 'queued', 'running'))`,
  );
  for (const row of rows) await refreshSweepStatus(pool, row.id as string);
}
