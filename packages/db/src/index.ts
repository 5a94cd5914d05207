export { createPrismaClient, PrismaClient } from './client.js';
export { checkDatabase, createClient, createPool, describeDatabaseError } from './connection.js';
export type { Client, Pool, PoolClient } from './connection.js';
export { ensureDatabase, migrate, MigrationError, readMigrations } from './migrations.js';
export type { MigrateOptions, MigrationFile, MigrationResult } from './migrations.js';
export { copyPointResults, ingestPointResults, ResultInvalidError } from './ingest.js';
export type { IngestOptions, IngestResult, PointResultRow } from './ingest.js';
export { migrationsDir } from './paths.js';
export { withRetriedTransaction, withTransaction } from './transaction.js';
