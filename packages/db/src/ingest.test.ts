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
    scores: { log_likelihood: -1000 - i / 7 - offset, lid: (i * 13) % 784, ...(i % 3 === 0 ? { ref_log_likelihood: i / 3 } : {}) },
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

  test('scores round-trip exactly by name, null included, and a re-ingest replaces them in place', async () => {
    const jobId = await newJob();
    await ingestPointResults(database.pool, rowsFor(jobId, 10));
    const updated = rowsFor(jobId, 10, 0.5);
    updated[4]!.scores = { log_likelihood: 1e-300, lid: null };
    await ingestPointResults(database.pool, updated);
    const { rows } = await database.pool.query(
      'SELECT point_index, scores FROM point_results WHERE job_id = $1 ORDER BY dataset, point_index',
      [jobId],
    );
    expect(rows).toHaveLength(10);
    const byIndex = new Map(rows.map((r) => [r.point_index as number, r.scores]));
    expect(byIndex.get(3)).toEqual({ log_likelihood: -1000 - 3 / 7 - 0.5, lid: 39, ref_log_likelihood: 1 });
    expect(byIndex.get(4)).toEqual({ log_likelihood: 1e-300, lid: null });
    expect(byIndex.get(5)).toEqual({ log_likelihood: -1000 - 5 / 7 - 0.5, lid: 65 });
  });

  test('duplicate keys within one call: the last row wins', async () => {
    const jobId = await newJob();
    const base = { jobId, dataset: 'mnist', split: 'test', pointIndex: 1 };
    expect(await ingestPointResults(database.pool, [{ ...base, scores: { lid: 1 } }, { ...base, scores: { lid: 2 } }])).toEqual({ rows: 1 });
    const { rows } = await database.pool.query('SELECT scores FROM point_results WHERE job_id = $1', [jobId]);
    expect(rows).toEqual([{ scores: { lid: 2 } }]);
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
      message: 'invalid point result: row 3 (mnist/test point -1), field pointIndex: must be a non-negative 32-bit integer (got -1)',
    });
    expect(await countRows(jobId)).toBe(0);
  });

  test.each([
    [{ lid: Number.NaN }, 'scores.lid: must be a finite number or null (got NaN)'],
    [{ lid: -Infinity }, 'scores.lid: must be a finite number or null (got -Infinity)'],
    [{ lid: '3' }, 'scores.lid: must be a finite number or null (got "3")'],
    [{ 'log-likelihood': 1 }, 'scores.log-likelihood: score names must be snake_case ([a-z][a-z0-9_]*)'],
  ])('a bad score %o is rejected with its row, point and name', async (scores, why) => {
    const jobId = await newJob();
    const rows = rowsFor(jobId, 3);
    rows[2]!.scores = scores as PointResultRow['scores'];
    await expect(ingestPointResults(database.pool, rows)).rejects.toMatchObject({
      code: 'DGM_RESULT_INVALID',
      message: `invalid point result: row 2 (fashion-mnist/test point 2), field ${why}`,
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
