import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { createSweep } from '@dgm-ood/jobs';
import { IngestedResultsCounter } from './ingested-results.js';

let db: TestDatabase;
let pool: Pool;
let jobId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  const { jobs } = await createSweep(pool, {
    name: 'ingest', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{}', configHash: 'h' }],
  });
  jobId = jobs[0]!.id;
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const insert = (client: Pick<Pool, 'query'>, pointIndex: number) =>
  client.query(`INSERT INTO point_results (job_id, dataset, split, point_index) VALUES ($1, 'd', 'test', $2)`, [jobId, pointIndex]);

/** Polls until `expected` more rows were counted (other databases' transactions on the server may delay a sample). */
async function pollUntil(counter: IngestedResultsCounter, expected: number): Promise<number> {
  let counted = 0;
  for (let tries = 0; tries < 100 && counted < expected; tries++) {
    counted += await counter.poll();
    if (counted < expected) await new Promise((r) => setTimeout(r, 50));
  }
  return counted;
}

test('a slow ingest that commits after a faster one with higher ids is counted once, when it commits', async () => {
  const counter = new IngestedResultsCounter(pool);
  await insert(pool, 0);
  expect(await counter.poll()).toBe(0); // the baseline: rows before the first poll are not counted

  const slow = await pool.connect();
  try {
    await slow.query('BEGIN');
    await insert(slow, 1); // draws an id, not yet visible
    await insert(pool, 2); // a higher id, committed first
    // The watermark cannot pass the slow transaction's id while it runs.
    expect(await counter.poll()).toBe(0);
    expect(await counter.poll()).toBe(0);
    await slow.query('COMMIT');
  } finally {
    slow.release();
  }
  expect(await pollUntil(counter, 2)).toBe(2);
  expect(await counter.poll()).toBe(0);

  // Rows deleted and written again (a retried attempt) count again: ingestion, not storage.
  await pool.query('DELETE FROM point_results WHERE job_id = $1', [jobId]);
  await insert(pool, 1);
  expect(await pollUntil(counter, 1)).toBe(1);
});
