import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { migrate } from './migrations.js';
import { migrationsDir } from './paths.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

const NAMED_SCORES = '20261204110000_named_scores';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterAll(async () => {
  await db?.drop();
});

test('the named-scores migration moves log_likelihood and lid into scores, nulls non-finite strings, drops the stale sweep tables', async () => {
  // The database as it was before: every migration up to this one.
  const before = mkdtempSync(join(tmpdir(), 'dgm-migrations-'));
  for (const name of readdirSync(migrationsDir).filter((n) => n < NAMED_SCORES)) cpSync(join(migrationsDir, name), join(before, name), { recursive: true });
  await migrate(db.url, { migrationsDir: before });
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    const sweep = (await client.query(`INSERT INTO sweeps (name, kind, source_text) VALUES ('s', 'ood', '') RETURNING id`)).rows[0].id;
    const job = (await client.query(
      `INSERT INTO jobs (sweep_id, grid_index, name, point, config, config_hash, workdir_key) VALUES ($1, 0, 'j', '{}', '{}', 'h', 'k') RETURNING id`,
      [sweep],
    )).rows[0].id;
    await client.query(
      `INSERT INTO point_results (job_id, dataset, split, point_index, log_likelihood, lid, scores) VALUES
         ($1, 'mnist', 'test', 0, -1234.5, 42, NULL),
         ($1, 'mnist', 'test', 1, -7.25, NULL, NULL),
         ($1, 'mnist', 'test', 2, NULL, NULL, '{"bits": 3}'),
         ($1, 'mnist', 'test', 3, 1.5, 2, '{"bits": 4}'),
         ($1, 'mnist', 'test', 4, 0.5, 1, '{"weird": "NaN", "ok": 2}')`,
      [job],
    );
    await client.query(`INSERT INTO evaluations (sweep_id, metric, value) VALUES ($1, 'auc.likelihood', 0.1), ($1, 'auc:lid', 0.9)`, [sweep]);

    await migrate(db.url, { migrationsDir });
    const { rows } = await client.query('SELECT point_index, scores FROM point_results ORDER BY point_index');
    expect(rows.map((r) => r.scores)).toEqual([
      { log_likelihood: -1234.5, lid: 42 },
      { log_likelihood: -7.25 },
      { bits: 3 },
      { bits: 4, log_likelihood: 1.5, lid: 2 },
      { weird: null, ok: 2, log_likelihood: 0.5, lid: 1 },
    ]);
    const columns = await client.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'point_results' ORDER BY column_name`);
    expect(columns.rows.map((r) => r.column_name)).toEqual(['dataset', 'id', 'job_id', 'point_index', 'scores', 'split']);
    const inserted = await client.query(`INSERT INTO point_results (job_id, dataset, split, point_index) VALUES ($1, 'mnist', 'test', 9) RETURNING scores`, [job]);
    expect(inserted.rows[0].scores).toEqual({});
    expect((await client.query('SELECT metric FROM evaluations')).rows).toEqual([{ metric: 'auc:lid' }]);
  } finally {
    await client.end();
  }
});
