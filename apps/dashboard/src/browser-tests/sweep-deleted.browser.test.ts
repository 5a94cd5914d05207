import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from './browser-harness.js';

let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness({ worker: false });
});
afterAll(async () => {
  await b?.close();
});

test('an open sweep page says so when the sweep is deleted elsewhere, and stops listening', async () => {
  const sweep = await b.submit('project: gone\nbase_config: {fixture: noop}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n', { name: 'soon-gone' });
  const { page } = b;
  await page.goto(`${b.base}/#/sweeps/${sweep.id}`);
  await expect.poll(() => page.locator('table[data-table="jobs"] tbody tr').count()).toBe(2);
  const deleted = await b.h.app.inject({ method: 'DELETE', url: `/sweeps/${sweep.id}?cancel=true` });
  expect(deleted.statusCode).toBe(200);
  const notice = page.locator('[data-notice="deleted"]');
  await notice.waitFor();
  expect(await notice.textContent()).toContain('This sweep was deleted');
  expect(await page.locator('h2').first().textContent()).toContain('soon-gone');
  expect(b.pageErrors).toEqual([]);
});
