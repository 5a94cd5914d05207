import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const ALICE = 'alice-secret-0123456789abcdef';
const CI = 'ci-secret-0123456789abcdef0123';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ apiTokens: [{ name: 'alice', secret: ALICE }, { name: 'ci', secret: CI }] });
});
afterAll(async () => {
  await h?.close();
});

test('with API tokens, every API route answers 401 DGM_UNAUTHORIZED without a valid bearer token', async () => {
  for (const [method, url] of [['GET', '/sweeps'], ['POST', '/sweeps'], ['POST', '/sweeps/00000000-0000-0000-0000-000000000000/cancel'],
    ['POST', '/sweeps/00000000-0000-0000-0000-000000000000/retry-failed'], ['POST', '/jobs/00000000-0000-0000-0000-000000000000/retry'],
    ['GET', '/queues'], ['GET', '/queues/api/queues'], ['GET', '/events'], ['GET', '/docs'], ['GET', '/no-such-route']] as const) {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${ALICE}`, `Bearer ${ALICE}x`]) {
      const response = await h.app.inject({ method, url, headers: authorization ? { authorization } : {} });
      expect(response.statusCode, `${method} ${url} ${authorization}`).toBe(401);
      expect(response.json().code).toBe('DGM_UNAUTHORIZED');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  }
});

test('each named token is accepted; /healthz, /metrics and the dashboard files stay open', async () => {
  for (const secret of [ALICE, CI]) {
    const response = await h.app.inject({ url: '/sweeps', headers: { authorization: `Bearer ${secret}` } });
    expect(response.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/queues/api/queues', headers: { authorization: `Bearer ${secret}` } })).statusCode).toBe(200);
  }
  expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  expect((await h.app.inject({ url: '/metrics' })).statusCode).toBe(200);
  expect([200, 503]).toContain((await h.app.inject({ url: '/' })).statusCode);
});
