import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

test('without API tokens the routes need nothing, and the session routes say auth is off', async () => {
  expect((await h.app.inject({ url: '/sweeps' })).statusCode).toBe(200);
  expect((await h.app.inject({ url: '/auth/session' })).json()).toEqual({ auth: false, signedIn: false });
  const signIn = await h.app.inject({ method: 'POST', url: '/auth/session', payload: { token: 'x'.repeat(20) } });
  expect(signIn.statusCode).toBe(409);
  expect(signIn.json().code).toBe('DGM_AUTH_OFF');
});
