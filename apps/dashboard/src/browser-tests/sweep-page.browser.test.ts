import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitForSweep } from '../../../coordinator/src/testing/harness.js';
import { startBrowserHarness, type BrowserHarness } from './browser-harness.js';

let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness();
});
afterAll(async () => {
  await b?.close();
});

// Three counters of 12 steps: slow enough to watch their progress move on the page.
const COUNTERS = `
project: live
base_config: {fixture: counter, stepMs: 250}
sweep_configuration:
  steps: {sweep: true, values: [12, 13, 14]}
`;

test('the sweeps list and the sweep page follow a running sweep live, without reloading', async () => {
  const sweep = await b.submit(COUNTERS, { name: 'live-counters' });
  const { page } = b;
  await page.goto(`${b.base}/`);
  const row = page.locator(`tr[data-sweep-id="${sweep.id}"]`);
  await row.waitFor();
  expect(await row.textContent()).toContain('live-counters');

  await row.getByRole('link', { name: 'live-counters' }).click();
  await page.waitForURL(`**/#/sweeps/${sweep.id}`);
  await page.evaluate(() => Object.assign(globalThis, { __sameDocument: true }));
  const jobs = page.locator('table[data-table="jobs"] tbody tr');
  await expect.poll(() => jobs.count()).toBe(3);
  // Grid points are shown by key, not as UUIDs.
  expect(await jobs.first().textContent()).toContain('steps=12');
  // Live: a job's progress moves while it runs, then every job shows succeeded, with no navigation.
  const running = page.locator('tr[data-job-state="running"] [role="progressbar"]');
  await running.first().waitFor({ timeout: 20_000 });
  const first = Number(await running.first().getAttribute('aria-valuenow'));
  await expect.poll(async () => Number((await running.first().getAttribute('aria-valuenow').catch(() => null)) ?? 100), { timeout: 20_000 }).toBeGreaterThan(first);
  await b.screenshot('sweep-page-running');
  await page.locator('tr[data-job-state="succeeded"]').nth(2).waitFor({ timeout: 30_000 });
  await expect.poll(() => page.locator('.facts').textContent()).toContain('3 succeeded');
  expect(await page.evaluate(() => (globalThis as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  expect(await page.locator('.live').textContent()).toContain('live');
  await b.screenshot('sweep-page');
  expect(b.pageErrors).toEqual([]);
});

test('cancel and retry-failed buttons act on the sweep', async () => {
  const { page } = b;
  const hanging = await b.submit(`
project: hang
base_config: {fixture: hang}
sweep_configuration:
  n: {sweep: true, values: [1, 2]}
`);
  await page.goto(`${b.base}/#/sweeps/${hanging.id}`);
  await page.locator('tr[data-job-state="running"]').first().waitFor({ timeout: 20_000 });
  page.once('dialog', (dialog) => void dialog.accept());
  await page.locator('button[data-action="cancel"]').click();
  await expect.poll(() => page.locator('.notice').textContent().catch(() => '')).toContain('Cancelled');
  await page.locator('tr[data-job-state="cancelled"]').nth(1).waitFor({ timeout: 20_000 });

  const failing = await b.submit(`
project: fails
base_config: {fixture: throws, message: boom, code: DGM_FIXTURE, deterministic: true}
sweep_configuration:
  n: {sweep: true, values: [1]}
`);
  await waitForSweep(b.h, failing.id, (s) => s.counts.failed === 1);
  await page.goto(`${b.base}/#/sweeps/${failing.id}`);
  await page.locator('tr[data-job-state="failed"]').waitFor();
  expect(await page.locator('tr[data-job-state="failed"] .job-error').textContent()).toContain('boom');
  const retry = page.locator('button[data-action="retry-failed"]');
  expect(await retry.isEnabled()).toBe(true);
  await retry.click();
  await expect.poll(() => page.locator('.notice').textContent().catch(() => '')).toContain('1 requeued');
  // It fails again (deterministic): the page shows the second attempt without a reload.
  await expect.poll(() => page.locator('table[data-table="jobs"] tbody tr td.num').nth(1).textContent(), { timeout: 20_000 }).toBe('2');
  expect(b.pageErrors).toEqual([]);
});
