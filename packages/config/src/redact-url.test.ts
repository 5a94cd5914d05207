import { expect, test } from 'vitest';
import { loadConfig, redactUrl } from './env.js';

test('a password is hidden in a URL that parses and in one that does not', () => {
  expect(redactUrl('postgresql://root:hunter2@db:5432/x')).toBe('postgresql://root:***@db:5432/x');
  // Unparseable: a space and a stray character in the password, an @ inside it.
  expect(redactUrl('postgresql://root:hun[ter2@db:99999/x')).toBe('postgresql://root:***@db:99999/x');
  expect(redactUrl('redis://:p@ss w@rd@cache:6379')).toBe('redis://:***@cache:6379');
  expect(redactUrl('not a url')).toBe('not a url');
});

test('an invalid DATABASE_URL or REDIS_URL is reported without its password', () => {
  const attempt = (env: Record<string, string>) => {
    try {
      loadConfig({ env, envFile: false });
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected the configuration to be refused');
  };
  const database = attempt({ DATABASE_URL: 'postgresql://root:s3cr3t@db:99999/x' }) // port out of range: no URL;
  expect(database).toContain('DATABASE_URL');
  expect(database).not.toContain('s3cr3t');
  const redis = attempt({ REDIS_URL: 'mysql://user:topsecret@cache:6379' });
  expect(redis).toContain('REDIS_URL');
  expect(redis).not.toContain('topsecret');
});
