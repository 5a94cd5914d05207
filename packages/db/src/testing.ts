import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ensureDatabase, migrate } from './migrations.js';
import { migrationsDir } from './paths.js';

/** Server used by tests; each test file gets its own throw-away database on it. */
export const testServerUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://root@127.0.0.1:5432/dgm_ood_test';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A fresh, migrated (unless `migrated: false`) database with a unique name. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `dgm_ood_t_${randomBytes(6).toString('hex')}`;
  const url = withDatabase(testServerUrl, name);
  await ensureDatabase(url);
  if (options.migrated !== false) await migrate(url, { migrationsDir });
  return {
    url,
    name,
    async drop() {
      const admin = new pg.Client({ connectionString: withDatabase(testServerUrl, 'postgres') });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
