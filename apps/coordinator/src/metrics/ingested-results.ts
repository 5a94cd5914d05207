import type { Pool } from '@dgm-ood/db';

export interface IngestedResultsCounterOptions {
  /**
   * How long a sample of the id sequence may wait for the transactions that were running when it was
   * taken; past this it counts as settled anyway (an unrelated transaction left open must not stall the
   * counter forever; an ingest is a short COPY + upsert).
   */
  maxSettleMs?: number;
}

interface Sample {
  /** The highest point_results id drawn when the sample was taken. */
  highest: bigint;
  /** Transactions running just after that read: any of them may hold an id ≤ `highest` not yet visible. */
  running: string[];
  takenAt: number;
}

/**
 * Counts point_results rows as they are ingested, by id watermark: each poll counts the ids between the
 * previous watermark and the new one through the primary key, so its cost follows what was ingested since,
 * not the table's size. Ids are drawn before their transaction commits, so a watermark only moves up to an
 * id sample whose then-running transactions have all ended: a slow ingest committing after a faster one is
 * still counted. Rows deleted later (a retried attempt replaces its results) stay counted: this counts
 * ingestion, not what is stored. The first poll sets the baseline.
 */
export class IngestedResultsCounter {
  private readonly maxSettleMs: number;
  private counted: bigint | undefined;
  private pending: Sample[] = [];

  constructor(
    private readonly pool: Pool,
    options: IngestedResultsCounterOptions = {},
  ) {
    this.maxSettleMs = options.maxSettleMs ?? 120_000;
  }

  /** Rows ingested (and settled) since the previous poll. */
  async poll(): Promise<number> {
    const sample = await this.takeSample();
    if (this.counted === undefined) {
      this.counted = sample.highest;
      return 0;
    }
    this.pending.push(sample);
    const settled = await this.newestSettled();
    if (settled === undefined || settled <= this.counted) return 0;
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM point_results WHERE id > $1 AND id <= $2',
      [this.counted.toString(), settled.toString()],
    );
    this.counted = settled;
    return Number(rows[0]!.n);
  }

  private async takeSample(): Promise<Sample> {
    // Two statements, in this order: every id ≤ `highest` was drawn by a transaction that began before the
    // second statement's snapshot, so it is either visible to later reads or listed as running there.
    // (An ingest draws its ids after its COPY into a temporary table gave it a transaction id.)
    const { rows: sequence } = await this.pool.query<{ highest: string }>(
      `SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('point_results', 'id')::regclass), 0)::text AS highest`,
    );
    const takenAt = Date.now();
    const { rows: running } = await this.pool.query<{ xid: string }>(
      'SELECT pg_snapshot_xip(pg_current_snapshot())::text AS xid',
    );
    return { highest: BigInt(sequence[0]!.highest), running: running.map((r) => r.xid), takenAt };
  }

  /** The highest watermark every transaction that could still add ids below it has left; drops older samples. */
  private async newestSettled(): Promise<bigint | undefined> {
    const waitingOn = [...new Set(this.pending.flatMap((s) => s.running))];
    const stillRunning = new Set<string>();
    if (waitingOn.length > 0) {
      const { rows } = await this.pool.query<{ xid: string }>(
        `SELECT x::text AS xid FROM unnest($1::xid8[]) x WHERE pg_xact_status(x) = 'in progress'`,
        [waitingOn],
      );
      for (const row of rows) stillRunning.add(row.xid);
    }
    const now = Date.now();
    // A later sample settled implies the earlier ones did (what ran at an earlier sample and still runs
    // was running at the later one too), so the newest settled sample decides.
    let newest = -1;
    this.pending.forEach((sample, i) => {
      if (now - sample.takenAt >= this.maxSettleMs || sample.running.every((xid) => !stillRunning.has(xid))) newest = i;
    });
    if (newest < 0) return undefined;
    const [settled] = this.pending.splice(0, newest + 1).slice(-1);
    return settled!.highest;
  }
}
