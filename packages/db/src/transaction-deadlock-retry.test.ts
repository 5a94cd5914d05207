import { expect, test } from 'vitest';
import { withRetriedTransaction } from './transaction.js';
import { useTestDatabase } from './vitest.js';

const database = useTestDatabase();

// Named failure fixture: two transactions take the same two row locks in opposite orders. PostgreSQL aborts one as
// the deadlock victim (here always ours: the other session waits 30 s before it looks for deadlocks); run again, it
// commits after the other one.
test('a deadlock victim is run again and commits; an error of another kind is not retried', async () => {
  const { pool } = database;
  await pool.query(`CREATE TABLE deadlock_rows (id int PRIMARY KEY, v int NOT NULL); INSERT INTO deadlock_rows VALUES (1, 0), (2, 0)`);
  const other = await pool.connect();
  try {
    await other.query(`SET deadlock_timeout = '30s'`);
    await other.query('BEGIN');
    await other.query('UPDATE deadlock_rows SET v = v + 1 WHERE id = 1');
    let runs = 0;
    let otherDone: Promise<unknown> | undefined;
    await withRetriedTransaction(pool, async (client) => {
      runs++;
      await client.query('UPDATE deadlock_rows SET v = v + 10 WHERE id = 2');
      // First run: the other transaction now wants row 2 (ours) while we want its row 1.
      if (runs === 1) otherDone = other.query('UPDATE deadlock_rows SET v = v + 1 WHERE id = 2').then(() => other.query('COMMIT'));
      await client.query('UPDATE deadlock_rows SET v = v + 10 WHERE id = 1');
    });
    await otherDone;
    expect(runs).toBe(2);
    const { rows } = await pool.query('SELECT id, v FROM deadlock_rows ORDER BY id');
    expect(rows).toEqual([{ id: 1, v: 11 }, { id: 2, v: 11 }]); // both committed, ours once

    let failing = 0;
    await expect(
      withRetriedTransaction(pool, async (client) => {
        failing++;
        await client.query('SELECT 1/0');
      }),
    ).rejects.toThrow(/division by zero/);
    expect(failing).toBe(1);
  } finally {
    other.release();
  }
});
