/** Without API tokens, rate limits count per client IP. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ rateLimit: { max: 2, submitMax: 1, windowMs: 600_000 } });
});
afterAll(async () => {
  await h?.close();
});

test('one client IP over the limit gets 429 while another address still passes', async () => {
  const from = (remoteAddress: string) => h.app.inject({ url: '/sweeps', remoteAddress });
  expect((await from('127.0.0.1')).statusCode).toBe(200);
  expect((await from('127.0.0.1')).statusCode).toBe(200);
  const refused = await from('127.0.0.1');
  expect([refused.statusCode, refused.json().code]).toEqual([429, 'DGM_RATE_LIMITED']);
  expect(refused.json().message).toMatch(/^GET \/sweeps: client 127\.0\.0\.1 made more than 2 such requests/);
  expect((await from('127.0.0.2')).statusCode).toBe(200);
});
