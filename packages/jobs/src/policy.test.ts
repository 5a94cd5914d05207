import { expect, test } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '@dgm-ood/queue';
import { DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, sweepRetryPolicy } from './policy.js';

test('the defaults are 3 attempts, 5 s apart at first, and the same numbers the queue falls back to', () => {
  expect({ attempts: DEFAULT_MAX_ATTEMPTS, backoffMs: DEFAULT_BACKOFF_MS }).toEqual({ attempts: 3, backoffMs: 5000 });
  expect(DEFAULT_RETRY_POLICY).toEqual({ attempts: DEFAULT_MAX_ATTEMPTS, backoffMs: DEFAULT_BACKOFF_MS });
});

test("a sweep's stored options override the defaults, field by field", () => {
  expect(sweepRetryPolicy({ maxAttempts: 5, backoffMs: 100, project: 'p' })).toEqual({ attempts: 5, backoffMs: 100 });
  expect(sweepRetryPolicy({ backoffMs: 0 })).toEqual({ attempts: 3, backoffMs: 0 });
  expect(sweepRetryPolicy({})).toEqual({ attempts: 3, backoffMs: 5000 });
  expect(sweepRetryPolicy(null)).toEqual({ attempts: 3, backoffMs: 5000 });
});
