/** Rate limits count per API token: one token over its limit gets 429 DGM_RATE_LIMITED with Retry-After, another still passes. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

const ALICE = 'alice-secret-0123456789abcdef';
const BOB = 'bob-secret-0123456789abcdef012';
const as = (secret: string) => ({ authorization: `Bearer ${secret}` });

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({
    apiTokens: [{ name: 'alice', secret: ALICE }, { name: 'bob', secret: BOB }],
    rateLimit: { max: 3, submitMax: 1, windowMs: 600_000 },
  });
});
afterAll(async () => {
  await h?.close();
});

test('the limit trips for one token while another still passes; /healthz and /metrics never trip', async () => {
  for (let i = 0; i < 3; i++) expect((await h.app.inject({ url: '/sweeps', headers: as(ALICE) })).statusCode).toBe(200);
  const refused = await h.app.inject({ url: '/sweeps', headers: as(ALICE) });
  expect(refused.statusCode).toBe(429);
  expect(refused.json()).toEqual({
    code: 'DGM_RATE_LIMITED',
    message: expect.stringMatching(/^GET \/sweeps: token 'alice' made more than 3 such requests in 600 s; retry in \d+ s \(Retry-After\)$/),
  });
  expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  expect((await h.app.inject({ url: '/sweeps', headers: as(BOB) })).statusCode).toBe(200);
  for (let i = 0; i < 10; i++) {
    expect((await h.app.inject({ url: '/healthz', headers: as(ALICE) })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/metrics', headers: as(ALICE) })).statusCode).toBe(200);
  }
});

test('POST /sweeps has its own stricter count per token', async () => {
  const submit = (secret: string) =>
    h.app.inject({ method: 'POST', url: '/sweeps?dryRun=true', headers: { ...as(secret), 'content-type': 'application/yaml' }, payload: upstreamFile('ood/ratios/grayscale_ratios.yaml') });
  expect((await submit(BOB)).statusCode).toBe(200);
  const refused = await submit(BOB);
  expect(refused.statusCode).toBe(429);
  expect(refused.json().message).toMatch(/^POST \/sweeps: token 'bob' made more than 1 such requests in 600 s/);
  expect(refused.headers['retry-after']).toBeDefined();
  // Alice spent her general count above, not her count of submissions.
  expect((await submit(ALICE)).statusCode).toBe(200);
});

test('signing in without a token is counted per client IP, so guessing tokens at POST /auth/session is limited too', async () => {
  const signIn = () => h.app.inject({ method: 'POST', url: '/auth/session', remoteAddress: '10.1.2.3', payload: { token: 'guess-0123456789abcdef' } });
  for (let i = 0; i < 3; i++) expect((await signIn()).statusCode).toBe(401);
  const refused = await signIn();
  expect([refused.statusCode, refused.json().code]).toEqual([429, 'DGM_RATE_LIMITED']);
  expect(refused.json().message).toMatch(/^POST \/auth\/session: client 10\.1\.2\.3 made more than 3 such requests/);
});
