/** The coordinator's limits on work per request: expansion steps and deadline, and per-token rate limits. */
import { expect, test } from 'vitest';
import { loadConfig } from './env.js';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false });

test('defaults: 200M expansion steps, a 30 s expansion deadline, 1200 requests and 30 submissions per minute', () => {
  expect(load({})).toMatchObject({
    expansionMaxSteps: 200_000_000,
    expansionDeadlineMs: 30_000,
    rateLimit: { max: 1200, submitMax: 30, windowMs: 60_000 },
  });
});

test('set from DGM_OOD_EXPANSION_* and DGM_OOD_RATE_LIMIT_*; DGM_OOD_RATE_LIMIT_MAX=0 turns rate limiting off', () => {
  expect(load({ DGM_OOD_EXPANSION_MAX_STEPS: '5000', DGM_OOD_EXPANSION_DEADLINE_MS: '250', DGM_OOD_RATE_LIMIT_MAX: '10', DGM_OOD_RATE_LIMIT_SUBMIT_MAX: '2', DGM_OOD_RATE_LIMIT_WINDOW_MS: '1000' }))
    .toMatchObject({ expansionMaxSteps: 5000, expansionDeadlineMs: 250, rateLimit: { max: 10, submitMax: 2, windowMs: 1000 } });
  expect(load({ DGM_OOD_RATE_LIMIT_MAX: '0' }).rateLimit).toBeUndefined();
});

test.each([
  ['DGM_OOD_EXPANSION_MAX_STEPS', '0'],
  ['DGM_OOD_EXPANSION_DEADLINE_MS', '1e3'],
  ['DGM_OOD_EXPANSION_DEADLINE_MS', '3600001'],
  ['DGM_OOD_RATE_LIMIT_MAX', '-1'],
  ['DGM_OOD_RATE_LIMIT_SUBMIT_MAX', '0'],
  ['DGM_OOD_RATE_LIMIT_WINDOW_MS', '999'],
])('%s=%s is refused, naming the variable', (variable, value) => {
  expect(() => load({ [variable]: value })).toThrow(new RegExp(`${variable}: must be an integer from`));
});
