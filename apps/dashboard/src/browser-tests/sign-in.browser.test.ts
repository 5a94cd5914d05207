import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from './browser-harness.js';

const TOKEN = 'browser-secret-0123456789abcdef';

let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness({ worker: false, config: { apiTokens: [{ name: 'alice', secret: TOKEN }] } });
});
afterAll(async () => {
  await b?.close();
});

test('with an API token required, the dashboard asks for it, keeps an HttpOnly session cookie, and signs out', async () => {
  const { page } = b;
  await page.goto(`${b.base}/`);
  const form = page.locator('form[data-sign-in]');
  await form.waitFor();

  await form.locator('input[type=password]').fill('not-the-token-0123456789');
  await form.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('.sign-in .error').textContent().catch(() => '')).toContain('DGM_UNAUTHORIZED');

  await form.locator('input[type=password]').fill(TOKEN);
  await form.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-sign-out]').waitFor();
  expect(await page.locator('form[data-sign-in]').count()).toBe(0);
  const [cookie] = await page.context().cookies();
  expect(cookie).toMatchObject({ name: 'dgm_ood_session', httpOnly: true, sameSite: 'Strict' });
  expect(cookie!.value).not.toContain(TOKEN);
  await b.screenshot('signed-in');

  await page.locator('[data-sign-out]').click();
  await page.locator('form[data-sign-in]').waitFor();
  // The 401s that reveal the sign-in form are the only errors the page logs.
  expect(b.pageErrors.filter((e) => !/401/.test(e))).toEqual([]);
});
