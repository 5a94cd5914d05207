import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createError } from '@dgm-ood/config';
import { connectClient } from './connection.js';

export const MigrationError = createError<[string]>('DGM_MIGRATION_FAILED', '%s', 500);

export interface MigrationFile {
  /** Folder name, e.g. 20261127000000_init — the order of application. */
  name: string;
  sql: string;
  /** sha256 of the SQL, as Prisma records it. */
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

// One fixed key: concurrent runners (CI, several workers starting) serialise on it.
const ADVISORY_LOCK_KEY = 7_240_361_125;

/**
 * Prisma's own ledger table: with the same table and checksums, `prisma migrate deploy` (where its
 * binary is available) sees our migrations as applied, and vice versa.
 */
const LEDGER_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/** Reads `<dir>/<name>/migration.sql` folders in name order (Prisma's layout). */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) throw new MigrationError(`migrations folder not found: ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()
    .flatMap((name) => {
      const file = join(dir, name, 'migration.sql');
      if (!existsSync(file)) return [];
      const sql = readFileSync(file, 'utf8');
      return [{ name, sql, checksum: createHash('sha256').update(sql).digest('hex') }];
    });
}

export interface MigrateOptions {
  migrationsDir: string;
  log?: (message: string) => void;
}

/**
 * Applies pending migrations: advisory lock, one transaction per file (SQL and ledger row commit
 * together, so a failed file leaves no trace), refusal to proceed if an applied file was edited.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions): Promise<MigrationResult> {
  const files = readMigrations(options.migrationsDir);
  const log = options.log ?? (() => {});
  const client = await connectClient(databaseUrl);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(LEDGER_DDL);
    const { rows } = await client.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"
       WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`,
    );
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]));
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      const checksum = applied.get(file.name);
      if (checksum !== undefined) {
        if (checksum !== file.checksum) {
          throw new MigrationError(
            `migration ${file.name} was edited after it was applied (checksum ${checksum.slice(0, 12)}… in the database, ` +
              `${file.checksum.slice(0, 12)}… on disk): add a new migration instead`,
          );
        }
        result.alreadyApplied.push(file.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(file.sql);
        await client.query(
          `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
           VALUES ($1, $2, $3, now(), now(), 1)`,
          [randomUUID(), file.checksum, file.name],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new MigrationError(`migration ${file.name} failed and was rolled back: ${(error as Error).message}`);
      }
      log(`applied ${file.name}`);
      result.applied.push(file.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [ADVISORY_LOCK_KEY]).catch(() => {});
    await client.end().catch(() => {});
  }
}

/** Creates a database if it does not exist (connects to the server's `postgres` database). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new MigrationError(`DATABASE_URL names no database: ${databaseUrl}`);
  url.pathname = '/postgres';
  const client = await connectClient(databaseUrl, url.toString());
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    } catch (error) {
      // A concurrent creator won the race: fine.
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    }
    return true;
  } finally {
    await client.end().catch(() => {});
  }
}
