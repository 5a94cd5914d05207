import { createLogger, loadConfig, runMain } from '@dgm-ood/config';
import { ensureDatabase, migrate } from '../migrations.js';
import { migrationsDir } from '../paths.js';

// `pnpm db:migrate`: creates the database if needed and applies pending migrations.
await runMain(async () => {
  const config = loadConfig();
  const log = createLogger('db:migrate');
  if (await ensureDatabase(config.databaseUrl)) log.info('created the database');
  const result = await migrate(config.databaseUrl, {
    migrationsDir,
    log: (message) => log.info(message),
  });
  log.info(
    { applied: result.applied.length, alreadyApplied: result.alreadyApplied.length },
    result.applied.length === 0 ? 'database is up to date' : `applied ${result.applied.length} migration(s)`,
  );
});
