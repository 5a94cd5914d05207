import { expect, test } from 'vitest';
import { createRedis, persistenceWarning, redisPersistence } from './redis.js';

test('a Redis without AOF or snapshots is reported, with the URL redacted; one that persists is not', () => {
  const url = 'redis://:secret@cache:6379';
  const warning = persistenceWarning({ appendonly: false, save: '' }, url);
  expect(warning).toContain('keeps nothing on disk');
  expect(warning).toContain('--appendonly yes');
  expect(warning).not.toContain('secret');
  expect(persistenceWarning({ appendonly: true, save: '' }, url)).toBeUndefined();
  expect(persistenceWarning({ appendonly: false, save: '3600 1' }, url)).toBeUndefined();
  expect(persistenceWarning(null, url)).toBeUndefined(); // CONFIG refused: nothing to say
});

test('the running Redis says how it persists', async () => {
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    const persistence = await redisPersistence(redis);
    expect(persistence).not.toBeNull();
    expect(typeof persistence!.appendonly).toBe('boolean');
    expect(typeof persistence!.save).toBe('string');
  } finally {
    redis.disconnect();
  }
});
