import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const METRICS = 'prometheus-0123456789abcdef';
const API = 'api-secret-0123456789abcdef';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ apiTokens: [{ name: 'ops', secret: API }], metricsToken: METRICS });
});
afterAll(async () => {
  await h?.close();
});

test('with DGM_OOD_METRICS_TOKEN, GET /metrics needs that token (or an API token) and the metrics token opens nothing else', async () => {
  const without = await h.app.inject({ url: '/metrics' });
  expect(without.statusCode).toBe(401);
  expect(without.json().code).toBe('DGM_UNAUTHORIZED');
  expect((await h.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-0123456789abcdef' } })).statusCode).toBe(401);
  const scraped = await h.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS}` } });
  expect(scraped.statusCode).toBe(200);
  expect(scraped.body).toContain('# TYPE');
  expect((await h.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${API}` } })).statusCode).toBe(200);
  expect((await h.app.inject({ url: '/sweeps', headers: { authorization: `Bearer ${METRICS}` } })).statusCode).toBe(401);
});
