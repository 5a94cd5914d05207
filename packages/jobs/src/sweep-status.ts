import type pg from 'pg';

/**
 * Derives a sweep's status from its jobs: running while any job is not terminal (pending until one
 * starts); then failed if any failed, cancelled if any was cancelled, else succeeded.
 */
export async function refreshSweepStatus(client: pg.PoolClient | pg.Pool, sweepId: string): Promise<void> {
  await client.query(
    `UPDATE sweeps s SET
       status = (CASE
         WHEN c.active > 0 THEN (CASE WHEN c.started > 0 THEN 'running' ELSE 'pending' END)
         WHEN c.failed > 0 THEN 'failed'
         WHEN c.cancelled > 0 THEN 'cancelled'
         ELSE 'succeeded' END)::sweep_status,
       started_at = CASE WHEN c.started > 0 THEN coalesce(s.started_at, now()) ELSE s.started_at END,
       finished_at = CASE WHEN c.active = 0 THEN coalesce(s.finished_at, now()) END,
       updated_at = now()
     FROM (SELECT count(*) FILTER (WHERE state IN ('pending', 'waiting', 'queued', 'running')) AS active,
                  count(*) FILTER (WHERE state = 'failed') AS failed,
                  count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
                  count(*) FILTER (WHERE attempts > 0) AS started
           FROM jobs WHERE sweep_id = $1) c
     WHERE s.id = $1`,
    [sweepId],
  );
}

/** A job of the sweep started: the sweep is running (one row, no counting: this is the hot path). */
export async function markSweepRunning(client: pg.PoolClient | pg.Pool, sweepId: string): Promise<void> {
  await client.query(
    `UPDATE sweeps SET status = 'running', started_at = coalesce(started_at, now()), finished_at = NULL, updated_at = now()
     WHERE id = $1 AND status <> 'running'`,
    [sweepId],
  );
}

/**
 * A job of the sweep reached a terminal state: only when no job is left active (an index probe,
 * not a count) is the final status derived from the counts.
 */
export async function settleSweepIfDone(client: pg.PoolClient, sweepId: string): Promise<void> {
  // Serialised per sweep: two last jobs finishing at once would each see the other still running and
  // neither would settle. Under the lock, the later one sees the earlier one's committed state.
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [sweepId]);
  const { rows } = await client.query(
    `SELECT EXISTS (SELECT 1 FROM jobs WHERE sweep_id = $1 AND state IN ('pending', 'waiting', 'queued', 'running')) AS active`,
    [sweepId],
  );
  if (!rows[0].active) await refreshSweepStatus(client, sweepId);
}
