import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { createTestDatabase, type TestDatabase } from '@dgm-ood/db/testing';
import { createSweep } from '@dgm-ood/jobs';
import { FinishedJobsFeed } from './finished-jobs.js';

let db: TestDatabase;
let pool: Pool;
let ids: string[];
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool(db.url);
  const { sweepId, jobs } = await createSweep(pool, {
    name: 'durations', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: [0, 1, 2].map((i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: '{}', configHash: `h${i}` })),
  });
  ids = jobs.map((j) => j.id);
  await pool.query(`UPDATE sweeps SET status = 'running' WHERE id = $1`, [sweepId]);
  await pool.query(`UPDATE jobs SET state = 'running', started_at = now() - interval '90 seconds' WHERE sweep_id = $1`, [sweepId]);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const finish = (client: Pick<Pool, 'query'>, id: string, state = 'succeeded') =>
  client.query(`UPDATE jobs SET state = $2::job_state, finished_at = now() WHERE id = $1`, [id, state]);

test('each finish is returned once, also one stamped before the previous poll but committed after it', async () => {
  const feed = new FinishedJobsFeed(pool);
  await finish(pool, ids[0]!);
  expect(await feed.poll()).toEqual([]); // the baseline

  const late = await pool.connect();
  try {
    await late.query('BEGIN');
    await finish(late, ids[1]!, 'failed'); // finished_at is this transaction's start, before the next poll
    await finish(pool, ids[2]!);
    const first = await feed.poll();
    expect(first).toMatchObject([{ kind: 'train', outcome: 'succeeded' }]);
    expect(first[0]!.seconds).toBeGreaterThanOrEqual(90);
    await late.query('COMMIT');
  } finally {
    late.release();
  }
  expect(await feed.poll()).toMatchObject([{ kind: 'train', outcome: 'failed' }]);
  expect(await feed.poll()).toEqual([]);
});
