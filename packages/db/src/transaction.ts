import type pg from 'pg';

/** Runs `work` in one transaction on a pooled connection: COMMIT on success, ROLLBACK on any error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no listener of the pool's: a connection the server ends (restart, terminate) would
  // emit an unhandled 'error' and kill the process. The running query rejects with it anyway; remember it.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!lost) await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    // A broken connection is destroyed, not returned to the pool for the next caller.
    client.release(lost);
  }
}

/** PostgreSQL's codes for a transaction aborted only because of concurrent ones: retrying it may succeed. */
const RETRYABLE = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);

/**
 * withTransaction, run again (up to `attempts` times in all, after a short randomised pause) when PostgreSQL aborts
 * it as a deadlock victim or for a serialization failure — the work is rolled back each time, so it must only touch
 * the database. For transactions whose lock order cannot match every concurrent writer's (a deletion that cascades
 * into rows a worker is updating).
 */
export async function withRetriedTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await withTransaction(pool, work);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= attempts || code === undefined || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80 * attempt));
    }
  }
}
