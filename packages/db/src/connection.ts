import pg from 'pg';
import { ServiceUnavailableError, redactUrl } from '@dgm-ood/config';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Client = pg.Client;

/** An unconnected single client (e.g. for LISTEN, which needs one connection of its own); the caller connects it. */
export function createClient(databaseUrl: string): pg.Client {
  return new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
}

export function createPool(databaseUrl: string, options: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, connectionTimeoutMillis: 5000, ...options });
  // An idle client whose server connection ends (restart, admin command) is dropped by the pool; the
  // next query reconnects. Without a listener that event would crash the process.
  pool.on('error', () => {});
  return pool;
}

/** Explains a connection failure in one line that names the variable to fix. */
export function describeDatabaseError(databaseUrl: string, error: unknown): InstanceType<typeof ServiceUnavailableError> {
  const reason = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  // 3D000: the server answers but the database does not exist yet.
  const advice =
    (error as { code?: string }).code === '3D000'
      ? 'create it with `pnpm db:migrate` or fix DATABASE_URL'
      : 'start it (docker compose up -d) or fix DATABASE_URL';
  return new ServiceUnavailableError(
    `cannot reach PostgreSQL at ${redactUrl(databaseUrl)} (DATABASE_URL): ${reason.replace(/\s+/g, ' ')} — ${advice}`,
  );
}

/**
 * One connected client (checks, migrations). `connectionString` defaults to `databaseUrl`; a failure to
 * connect becomes the one-line error about `databaseUrl` (DATABASE_URL), whatever database was dialled.
 */
export async function connectClient(databaseUrl: string, connectionString = databaseUrl): Promise<pg.Client> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 5000 });
  // As for the pool: a server connection that ends must not crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw describeDatabaseError(databaseUrl, error);
  }
  return client;
}

/** Connects once and runs `select 1`; throws a one-line ServiceUnavailableError on failure. */
export async function checkDatabase(databaseUrl: string): Promise<void> {
  const client = await connectClient(databaseUrl);
  try {
    await client.query('select 1');
  } catch (error) {
    throw describeDatabaseError(databaseUrl, error);
  } finally {
    await client.end().catch(() => {});
  }
}
