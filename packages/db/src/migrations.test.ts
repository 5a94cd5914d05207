import { cpSync, mkdtempSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, test } from 'vitest';
import { migrate, readMigrations } from './migrations.js';
import { migrationsDir } from './paths.js';
import { createTestDatabase, type TestDatabase } from './testing.js';

const created: TestDatabase[] = [];
async function freshDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ migrated: false });
  created.push(db);
  return db;
}
afterEach(async () => {
  await Promise.all(created.splice(0).map((db) => db.drop()));
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dgm-migrations-'));
  cpSync(migrationsDir, dir, { recursive: true });
  return dir;
}

describe('migration runner', () => {
  test('applies every migration once; a second run is a no-op', async () => {
    const db = await freshDatabase();
    const names = readMigrations(migrationsDir).map((m) => m.name);
    expect(names.length).toBeGreaterThan(0);
    expect(await migrate(db.url, { migrationsDir })).toEqual({ applied: names, alreadyApplied: [] });
    expect(await migrate(db.url, { migrationsDir })).toEqual({ applied: [], alreadyApplied: names });
    const ledger = await query<{ migration_name: string }>(db.url, 'SELECT migration_name FROM "_prisma_migrations"');
    expect(ledger.map((r) => r.migration_name)).toEqual(names);
  });

  test('concurrent runners serialise on the advisory lock and apply each file once', async () => {
    const db = await freshDatabase();
    const results = await Promise.all([1, 2, 3].map(() => migrate(db.url, { migrationsDir })));
    expect(results.reduce((n, r) => n + r.applied.length, 0)).toBe(readMigrations(migrationsDir).length);
  });

  test('a failing file is rolled back whole and reported by name', async () => {
    const db = await freshDatabase();
    const dir = copyOfMigrations();
    mkdirSync(join(dir, '29990101000000_broken'));
    writeFileSync(
      join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE half_done (id int);\nSELECT * FROM no_such_table;\n',
    );
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(
      /migration 29990101000000_broken failed and was rolled back: relation "no_such_table" does not exist/,
    );
    const tables = await query(db.url, "SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(tables).toHaveLength(0);
    const ledger = await query(db.url, `SELECT 1 FROM "_prisma_migrations" WHERE migration_name LIKE '%broken'`);
    expect(ledger).toHaveLength(0);
  });

  test('an applied migration that was edited afterwards stops the runner', async () => {
    const db = await freshDatabase();
    const dir = copyOfMigrations();
    await migrate(db.url, { migrationsDir: dir });
    const first = readMigrations(dir)[0]!;
    appendFileSync(join(dir, first.name, 'migration.sql'), '\n-- edited\n');
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toMatchObject({
      code: 'DGM_MIGRATION_FAILED',
      message: expect.stringContaining(`migration ${first.name} was edited after it was applied`),
    });
  });
});
