import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { ingestPointResults, type PointResultRow } from './ingest.js';
import { useTestDatabase } from './vitest.js';

const database = useTestDatabase();

async function newJob(): Promise<string> {
  const sweep = await database.pool.query<{ id: string }>(
    `INSERT INTO sweeps (name, kind, source_text) VALUES ('ingest', 'ood', '') RETURNING id`,
  );
  const job = await database.pool.query<{ id: string }>(
    `INSERT INTO jobs (sweep_id, grid_index, name, point, config, config_hash, workdir_key)
     VALUES ($1, 0, 'j', '{}', '{}', 'h', 'k') RETURNING id`,
    [sweep.rows[0]!.id],
  );
  return job.rows[0]!.id;
}

function rowsFor(jobId: string, count: number, offset = 0): PointResultRow[] {
  return Array.from({ length: count }, (_, i) => ({
    jobId,
    dataset: i % 2 ? 'mnist' : 'fashion-mnist',
    split: 'test',
    pointIndex: i,
    logLikelihood: -1000 - i / 7 - offset,
    lid: (i * 13) % 784,
    scores: i % 3 === 0 ? { 'ref-log-likelihood': i / 3 } : null,
  }));
}

async function countRows(jobId: string): Promise<number> {
  const { rows } = await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM point_results WHERE job_id = $1', [jobId]);
  return Number(rows[0]!.n);
}

describe('ingestPointResults', () => {
  test('re-ingesting the same 100k rows leaves exactly 100k rows', async () => {
    const jobId = await newJob();
    const rows = rowsFor(jobId, 100_000);
    expect(await ingestPointResults(database.pool, rows)).toEqual({ rows: 100_000 });
    expect(await ingestPointResults(database.pool, rows)).toEqual({ rows: 100_000 });
    expect(await countRows(jobId)).toBe(100_000);
  });

  test('values round-trip exactly, and a re-ingest updates them in place', async () => {
    const jobId = await newJob();
    await ingestPointResults(database.pool, rowsFor(jobId, 10));
    const updated = rowsFor(jobId, 10, 0.5);
    updated[4]!.scores = { weird: Number.NaN, 'quote"d': -Infinity };
    updated[5]!.logLikelihood = null;
    await ingestPointResults(database.pool, updated);
    const { rows } = await database.pool.query(
      'SELECT point_index, log_likelihood, lid, scores FROM point_results WHERE job_id = $1 ORDER BY dataset, point_index',
      [jobId],
    );
    expect(rows).toHaveLength(10);
    const byIndex = new Map(rows.map((r) => [r.point_index as number, r]));
    expect(byIndex.get(3).log_likelihood).toBe(-1000 - 3 / 7 - 0.5);
    expect(byIndex.get(3).scores).toEqual({ 'ref-log-likelihood': 1 });
    expect(byIndex.get(4).scores).toEqual({ weird: 'NaN', 'quote"d': '-Infinity' });
    expect(byIndex.get(5).log_likelihood).toBeNull();
  });

  test('duplicate keys within one call: the last row wins', async () => {
    const jobId = await newJob();
    const base = { jobId, dataset: 'mnist', split: 'test', pointIndex: 1 };
    expect(await ingestPointResults(database.pool, [{ ...base, lid: 1 }, { ...base, lid: 2 }])).toEqual({ rows: 1 });
    const { rows } = await database.pool.query('SELECT lid FROM point_results WHERE job_id = $1', [jobId]);
    expect(rows).toEqual([{ lid: 2 }]);
  });

  test('replaceJobId drops the rows of earlier attempts in the same transaction', async () => {
    const jobId = await newJob();
    await ingestPointResults(database.pool, rowsFor(jobId, 50));
    await ingestPointResults(database.pool, rowsFor(jobId, 20), { replaceJobId: jobId });
    expect(await countRows(jobId)).toBe(20);
  });

  test('an invalid row is rejected with its position and field, and nothing is written', async () => {
    const jobId = await newJob();
    const rows = rowsFor(jobId, 5);
    (rows[3] as { pointIndex: number }).pointIndex = -1;
    await expect(ingestPointResults(database.pool, rows)).rejects.toMatchObject({
      code: 'DGM_RESULT_INVALID',
      message: 'invalid point result: row 3, field pointIndex: must be a non-negative 32-bit integer (got -1)',
    });
    expect(await countRows(jobId)).toBe(0);
  });

  test('a row for an unknown job fails the whole call (foreign key) and nothing is written', async () => {
    const jobId = await newJob();
    const rows = [...rowsFor(jobId, 3), { ...rowsFor(randomUUID(), 1)[0]! }];
    await expect(ingestPointResults(database.pool, rows)).rejects.toThrow(/foreign key/);
    expect(await countRows(jobId)).toBe(0);
  });
});
