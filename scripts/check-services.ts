// `pnpm check:services`: checks configuration and services, one line each; exit 1 if anything is wrong.
import { createError, loadConfig, runMain } from '@dgm-ood/config';
import { checkDatabase } from '@dgm-ood/db';
import { checkRedis, createRedis, persistenceWarning, redisPersistence } from '@dgm-ood/queue';

const ServicesDownError = createError<[string]>('DGM_SERVICE_UNAVAILABLE', '%s', 503);

await runMain(async () => {
  const config = loadConfig();
  const results = await Promise.allSettled([checkDatabase(config.databaseUrl), checkRedis(config.redisUrl)]);
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failures.length > 0) throw new ServicesDownError(failures.join('; '));
  const redis = createRedis(config.redisUrl, { maxRetriesPerRequest: 1 });
  const warning = persistenceWarning(await redisPersistence(redis), config.redisUrl);
  redis.disconnect();
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`ok: PostgreSQL and Redis answer (data ${config.dataDir}, models ${config.modelDir}, backend ${config.backend})\n`);
});
