import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const TOKEN = 'dashboard-secret-0123456789abcdef';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ apiTokens: [{ name: 'alice', secret: TOKEN }] });
});
afterAll(async () => {
  await h?.close();
});

const cookieOf = (setCookie: string | string[] | undefined) => String(setCookie).split(';')[0]!;

test('signing in sets an HttpOnly, SameSite=Strict session cookie that authenticates, until signing out', async () => {
  expect((await h.app.inject({ url: '/auth/session' })).json()).toEqual({ auth: true, signedIn: false });
  const wrong = await h.app.inject({ method: 'POST', url: '/auth/session', payload: { token: 'not-the-token-0123456789' } });
  expect(wrong.statusCode).toBe(401);
  expect(wrong.headers['set-cookie']).toBeUndefined();

  const signIn = await h.app.inject({ method: 'POST', url: '/auth/session', payload: { token: TOKEN } });
  expect(signIn.statusCode).toBe(200);
  expect(signIn.json()).toEqual({ auth: true, signedIn: true, token: 'alice' });
  const setCookie = String(signIn.headers['set-cookie']);
  expect(setCookie).toMatch(/^dgm_ood_session=[\w-]{40,};/);
  expect(setCookie).toContain('HttpOnly');
  expect(setCookie).toContain('SameSite=Strict');
  expect(setCookie).toContain('Path=/');
  expect(setCookie).not.toContain('Secure');
  expect(setCookie).not.toContain(TOKEN);
  const cookie = cookieOf(signIn.headers['set-cookie']);

  expect((await h.app.inject({ url: '/sweeps', headers: { cookie } })).statusCode).toBe(200);
  expect((await h.app.inject({ url: '/auth/session', headers: { cookie } })).json()).toEqual({ auth: true, signedIn: true, token: 'alice' });
  expect((await h.app.inject({ url: '/sweeps', headers: { cookie: 'dgm_ood_session=forged' } })).statusCode).toBe(401);

  const signOut = await h.app.inject({ method: 'DELETE', url: '/auth/session', headers: { cookie } });
  expect(signOut.statusCode).toBe(204);
  expect(String(signOut.headers['set-cookie'])).toContain('Max-Age=0');
  expect((await h.app.inject({ url: '/sweeps', headers: { cookie } })).statusCode).toBe(401);
});

test('behind an https proxy the cookie is Secure', async () => {
  const signIn = await h.app.inject({ method: 'POST', url: '/auth/session', payload: { token: TOKEN }, headers: { 'x-forwarded-proto': 'https' } });
  expect(String(signIn.headers['set-cookie'])).toContain('Secure');
});
