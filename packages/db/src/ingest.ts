import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createError } from '@dgm-ood/config';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { withTransaction } from './transaction.js';

export const ResultInvalidError = createError<[string]>('DGM_RESULT_INVALID', 'invalid point result: %s', 400);

export interface PointResultRow {
  jobId: string;
  dataset: string;
  split: string;
  pointIndex: number;
  /** The point's scores by name (snake_case, e.g. log_likelihood, lid): a finite number, or null when not computed. */
  scores: Record<string, number | null>;
}

export interface IngestOptions {
  /** Delete every row of this job first, in the same transaction (a retried job replaces its results). */
  replaceJobId?: string;
}

export interface IngestResult {
  /** Distinct keys written (inserted or updated). */
  rows: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Score names double as CSV column names (the evaluation package's SCORE_NAME_PATTERN). */
const SCORE_NAME = /^[a-z][a-z0-9_]*$/;

function validate(row: PointResultRow, at: number): void {
  const fail = (field: string, why: string) => {
    throw new ResultInvalidError(`row ${at}${typeof row.dataset === 'string' ? ` (${row.dataset}/${row.split} point ${row.pointIndex})` : ''}, field ${field}: ${why}`);
  };
  if (typeof row.jobId !== 'string' || !UUID.test(row.jobId)) fail('jobId', `not a UUID (${JSON.stringify(row.jobId)})`);
  if (typeof row.dataset !== 'string' || row.dataset === '') fail('dataset', 'must be a non-empty string');
  if (typeof row.split !== 'string' || row.split === '') fail('split', 'must be a non-empty string');
  if (!Number.isInteger(row.pointIndex) || row.pointIndex < 0 || row.pointIndex > 2_147_483_647)
    fail('pointIndex', `must be a non-negative 32-bit integer (got ${row.pointIndex})`);
  if (typeof row.scores !== 'object' || row.scores === null || Array.isArray(row.scores)) fail('scores', 'must be an object {name: number | null}');
  for (const [name, value] of Object.entries(row.scores)) {
    if (!SCORE_NAME.test(name)) fail(`scores.${name}`, 'score names must be snake_case ([a-z][a-z0-9_]*)');
    if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
      fail(`scores.${name}`, `must be a finite number or null (got ${typeof value === 'number' ? String(value) : JSON.stringify(value)})`);
  }
}

/** CSV field quoting for COPY … (FORMAT csv): quote always, double embedded quotes. */
function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

function toCsvLine(row: PointResultRow): string {
  return `${row.jobId},${quote(row.dataset)},${quote(row.split)},${row.pointIndex},${quote(JSON.stringify(row.scores))}\n`;
}

/** Last write wins for duplicate keys within one call (ON CONFLICT cannot touch a row twice). */
function dedupe(rows: readonly PointResultRow[]): PointResultRow[] {
  const byKey = new Map<string, PointResultRow>();
  rows.forEach((row, at) => {
    validate(row, at);
    byKey.set(`${row.jobId}\u0000${row.dataset}\u0000${row.split}\u0000${row.pointIndex}`, row);
  });
  return byKey.size === rows.length ? (rows as PointResultRow[]) : [...byKey.values()];
}

function* csvChunks(rows: readonly PointResultRow[], linesPerChunk = 2000): Generator<string> {
  for (let start = 0; start < rows.length; start += linesPerChunk) {
    let chunk = '';
    const end = Math.min(rows.length, start + linesPerChunk);
    for (let i = start; i < end; i++) chunk += toCsvLine(rows[i]!);
    yield chunk;
  }
}

/**
 * Bulk upsert of per-point results on a connection that is already inside a transaction: COPY into a
 * temporary table, then one INSERT … ON CONFLICT on (job, dataset, split, point index). Idempotent.
 */
export async function copyPointResults(client: pg.PoolClient | pg.Client, input: readonly PointResultRow[]): Promise<number> {
  const rows = dedupe(input);
  if (rows.length === 0) return 0;
  await client.query(`CREATE TEMP TABLE IF NOT EXISTS point_scores_incoming (
    job_id uuid, dataset text, split text, point_index integer, scores jsonb) ON COMMIT DELETE ROWS`);
  const copy = client.query(
    copyFrom(
      'COPY point_scores_incoming (job_id, dataset, split, point_index, scores) FROM STDIN (FORMAT csv)',
    ),
  );
  await pipeline(Readable.from(csvChunks(rows)), copy);
  await client.query(`INSERT INTO point_results (job_id, dataset, split, point_index, scores)
    SELECT job_id, dataset, split, point_index, scores FROM point_scores_incoming
    ON CONFLICT (job_id, dataset, split, point_index) DO UPDATE SET scores = EXCLUDED.scores`);
  await client.query('TRUNCATE point_scores_incoming');
  return rows.length;
}

/** `copyPointResults` in a transaction of its own (optionally replacing every row of one job). */
export async function ingestPointResults(
  pool: pg.Pool,
  input: readonly PointResultRow[],
  options: IngestOptions = {},
): Promise<IngestResult> {
  return withTransaction(pool, async (client) => {
    if (options.replaceJobId) {
      await client.query('DELETE FROM point_results WHERE job_id = $1', [options.replaceJobId]);
    }
    return { rows: await copyPointResults(client, input) };
  });
}
