import { Redis, type RedisOptions } from 'ioredis';
import { ServiceUnavailableError, redactUrl } from '@dgm-ood/config';

export { Redis };

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers require;
 * queues/producers may pass their own options.
 */
export function createRedis(redisUrl: string, options: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, ...options });
}

/** PINGs Redis once, without retrying forever; throws a one-line ServiceUnavailableError. */
export async function checkRedis(redisUrl: string, timeoutMs = 3000): Promise<void> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING reply ${pong}`);
  } catch (error) {
    const reason = (lastError ?? (error as Error)).message.replace(/\s+/g, ' ');
    throw new ServiceUnavailableError(
      `cannot reach Redis at ${redactUrl(redisUrl)} (REDIS_URL): ${reason} — start it (docker compose up -d) or fix REDIS_URL`,
    );
  } finally {
    redis.disconnect();
  }
}

export interface RedisPersistence {
  appendonly: boolean;
  /** The RDB snapshot rule ('' when snapshots are off). */
  save: string;
}

/** How the running Redis keeps its data, or null when it does not say (CONFIG disabled, as on some managed services). */
export async function redisPersistence(redis: Redis): Promise<RedisPersistence | null> {
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, save] = (await redis.config('GET', 'save')) as string[];
    return { appendonly: appendonly === 'yes', save: save ?? '' };
  } catch {
    return null;
  }
}

/** What an operator must hear about a Redis that keeps nothing on disk; undefined when it persists (or cannot tell). */
export function persistenceWarning(persistence: RedisPersistence | null, redisUrl: string): string | undefined {
  if (persistence === null || persistence.appendonly || persistence.save.trim() !== '') return undefined;
  return (
    `Redis at ${redactUrl(redisUrl)} keeps nothing on disk (appendonly no, no save rule): a restart loses every queue entry. ` +
    'The coordinator re-enqueues jobs from PostgreSQL, but start Redis with --appendonly yes (docker-compose.yml and scripts/setup.sh do)'
  );
}
