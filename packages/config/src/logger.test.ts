import { afterEach, expect, test } from 'vitest';
import { createLogger } from './logger.js';

const saved = process.env.LOG_LEVEL;
afterEach(() => {
  if (saved === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = saved;
});

test('without a level option the logger takes LOG_LEVEL as loadConfig validates it', () => {
  process.env.LOG_LEVEL = 'warn';
  expect(createLogger('t', { pretty: false }).level).toBe('warn');
  process.env.LOG_LEVEL = 'verbose';
  expect(() => createLogger('t', { pretty: false })).toThrowError(
    expect.objectContaining({ code: 'DGM_CONFIG_INVALID', variables: ['LOG_LEVEL'] }),
  );
  expect(createLogger('t', { level: 'error', pretty: false }).level).toBe('error');
});
