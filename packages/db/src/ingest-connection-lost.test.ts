import { randomUUID } from 'node:crypto';
import { expect, test } from 'vitest';
import { ingestPointResults, type PointResultRow } from './ingest.js';
import { useTestDatabase } from './vitest.js';

const database = useTestDatabase();

// Named failure fixture: the server ends the connection in the middle of a COPY (a PostgreSQL restart or an
// administrator's pg_terminate_backend). The write must fail as an error of the call, with the process alive
// and the pool usable, never as an unhandled 'error' event (which kills a worker).
test('a connection ended mid-COPY rejects the ingestion; the process and the pool go on', async () => {
  const jobId = randomUUID(); // the temporary table has no foreign key: the COPY itself is what is interrupted
  const rows: PointResultRow[] = Array.from({ length: 400_000 }, (_, i) => ({
    jobId, dataset: 'mnist', split: 'test', pointIndex: i, scores: { log_likelihood: -i, lid: i % 784 },
  }));
  // Its outcome is taken at once: a rejection while the loop below runs is the expected one, not an unhandled one.
  const outcome = ingestPointResults(database.pool, rows).then(() => undefined, (error: Error) => error);
  // Terminate the backend as soon as its write is running (mostly caught in the COPY; its INSERT … SELECT is the same case).
  let terminated = 0;
  for (let i = 0; i < 2000 && terminated === 0; i++) {
    const { rowCount } = await database.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
         AND (query LIKE 'COPY point_scores_incoming%' OR query LIKE 'INSERT INTO point_results%')`,
    );
    terminated = rowCount ?? 0;
    if (terminated === 0) await new Promise((r) => setTimeout(r, 2));
  }
  expect(terminated).toBe(1);
  expect((await outcome)?.message).toMatch(/terminat|Connection|ECONNRESET|EPIPE|closed/i);
  // The pool gives a working connection afterwards (the broken one was discarded, not reused).
  for (let i = 0; i < 3; i++) expect((await database.pool.query('SELECT 1 AS ok')).rows[0].ok).toBe(1);
});
