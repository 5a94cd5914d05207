import type { Pool } from '@dgm-ood/db';

export interface FinishedJob {
  kind: string;
  /** The job's terminal state: succeeded, failed or cancelled. */
  outcome: string;
  /** From the job's first start to its finish (retries and their backoff included). */
  seconds: number;
}

export interface FinishedJobsFeedOptions {
  /**
   * How late a finish may become visible after its `finished_at` (which is its transaction's start time):
   * rows this far behind the previous poll are read again, and ids already seen are skipped.
   */
  lateCommitMs?: number;
}

/**
 * The jobs that finished since the previous poll, each returned once, across any number of polls. The
 * first poll only sets the baseline. Only sweeps that are active or changed lately are searched (a job's
 * finish always leaves its sweep active or settles it, which stamps `updated_at`), so a poll reads the
 * active part of the jobs table through its (sweep_id, state) index, not the whole history.
 */
export class FinishedJobsFeed {
  private readonly lateCommitMs: number;
  /** Database time of the previous poll; undefined before the first. */
  private lastPoll: Date | undefined;
  /** `id@finished_at` of the rows returned within the re-read window, to return each finish once. */
  private seen = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    options: FinishedJobsFeedOptions = {},
  ) {
    this.lateCommitMs = options.lateCommitMs ?? 10 * 60_000;
  }

  async poll(): Promise<FinishedJob[]> {
    const { rows: clock } = await this.pool.query<{ now: Date }>('SELECT now() AS now');
    const now = clock[0]!.now;
    const from = new Date((this.lastPoll ?? now).getTime() - this.lateCommitMs);
    const { rows } = await this.pool.query<{ id: string; finished_ms: number; kind: string; outcome: string; seconds: number | null }>(
      `SELECT j.id, (extract(epoch FROM j.finished_at) * 1000)::float8 AS finished_ms,
              s.kind::text AS kind, j.state::text AS outcome,
              extract(epoch FROM j.finished_at - j.started_at)::float8 AS seconds
       FROM sweeps s JOIN jobs j ON j.sweep_id = s.id
       WHERE (s.status IN ('pending', 'running') OR s.updated_at >= $1)
         AND j.state IN ('succeeded', 'failed', 'cancelled') AND j.finished_at >= $1`,
      [from],
    );
    const baseline = this.lastPoll === undefined;
    this.lastPoll = now;
    const finished: FinishedJob[] = [];
    for (const row of rows) {
      // A job re-run by hand finishes again later: a new key, a new observation.
      const key = `${row.id}@${row.finished_ms}`;
      if (this.seen.has(key)) continue;
      this.seen.set(key, row.finished_ms);
      // A job cancelled before it ever started has no duration.
      if (!baseline && row.seconds !== null) finished.push({ kind: row.kind, outcome: row.outcome, seconds: row.seconds });
    }
    // The next poll re-reads from `now - lateCommitMs`: older keys cannot come back.
    const horizon = now.getTime() - this.lateCommitMs;
    for (const [key, finishedMs] of this.seen) if (finishedMs < horizon) this.seen.delete(key);
    return finished;
  }
}
