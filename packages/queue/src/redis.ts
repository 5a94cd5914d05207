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
