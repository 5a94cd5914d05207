import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitForSweep } from '../../../coordinator/src/testing/harness.js';
import { downloaded, startBrowserHarness, type BrowserHarness } from './browser-harness.js';

let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness();
});
afterAll(async () => {
  await b?.close();
});

test('a job page shows its training curves, sample grid, attempts with the machine and backend, config and logs', async () => {
  const sweep = await b.submit(`
project: curves
base_config: {fixture: curves, steps: 20}
sweep_configuration:
  seed: {sweep: true, values: [1]}
`, { name: 'curves' });
  await waitForSweep(b.h, sweep.id, (s) => s.status === 'succeeded');
  const { page } = b;
  await page.goto(`${b.base}/#/sweeps/${sweep.id}`);
  await page.locator('table[data-table="jobs"] tbody tr a').first().click();
  await page.waitForURL('**/#/jobs/*');

  // Curves: one chart per logged series, drawn by Plot as SVG.
  for (const title of ['train_loss per step', 'valid_loss per epoch']) {
    const figure = page.locator('figure.plot-figure', { hasText: title });
    await figure.locator('svg').first().waitFor();
    expect(await figure.locator('svg path').count()).toBeGreaterThan(0);
  }
  // The sample grid artifact is served by the coordinator and decodes as an image.
  const sample = page.locator('.samples img');
  await sample.waitFor();
  await expect.poll(() => sample.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).complete && (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(12);
  // Attempts: the worker (host:pid) and backend of each attempt.
  const attempts = await page.locator('table[data-table="attempts"] tbody').textContent();
  expect(attempts).toContain('fixture');
  expect(attempts).toMatch(/:\d+/);
  expect(await page.locator('pre.json').first().textContent()).toContain('"fixture": "curves"');
  await expect.poll(() => page.locator('[data-logs]').textContent()).toContain('learning rate reduced');
  expect(await page.locator('[data-logs] .log-warn').count()).toBe(1);
  await b.screenshot('job-page');

  // The CSV of a chart is the data it shows.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('figure.plot-figure', { hasText: 'train_loss per step' }).getByRole('button', { name: 'CSV' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('train_loss-per-step.csv');
  const text = (await downloaded(download)).toString('utf8');
  expect(text.split('\n')[0]).toBe('step,epoch,value,attempt');
  expect(text.trim().split('\n')).toHaveLength(21);
  expect(b.pageErrors).toEqual([]);
});

test('an unknown job shows the coordinator\'s coded error', async () => {
  await b.page.goto(`${b.base}/#/jobs/00000000-0000-0000-0000-000000000000`);
  await expect.poll(() => b.page.locator('.error').textContent().catch(() => '')).toContain('not found');
});
