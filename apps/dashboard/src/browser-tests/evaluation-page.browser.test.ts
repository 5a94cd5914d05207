import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitForSweep } from '../../../coordinator/src/testing/harness.js';
import { paradoxOodSweep } from '../../../coordinator/src/testing/fixture-sweeps.js';
import { downloaded, startBrowserHarness, type BrowserHarness } from './browser-harness.js';

let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness();
});
afterAll(async () => {
  await b?.close();
});

const OOD = paradoxOodSweep(30);

const readDownload = async (download: Parameters<typeof downloaded>[0]) => (await downloaded(download)).toString('utf8');

test('the evaluation page: AUC table, the LID-vs-likelihood figure with its dual-threshold rectangle, histograms, ROC curves, downloads', async () => {
  const sweep = await b.submit(OOD, { kind: 'ood', name: 'eval-fixture' });
  await waitForSweep(b.h, sweep.id, (s) => s.status === 'succeeded');
  const { page } = b;
  await page.goto(`${b.base}/#/sweeps/${sweep.id}`);
  await page.getByRole('link', { name: 'Evaluation' }).click();
  await page.waitForURL(`**/#/sweeps/${sweep.id}/evaluation`);

  const table = page.locator('table[data-table="evaluation"]');
  await table.waitFor();
  const rows = table.locator('tbody tr');
  expect(await rows.count()).toBe(2);
  const first = rows.first();
  expect(await first.textContent()).toContain('fashion-mnist (test)');
  expect(await first.locator('td[data-metric="auc:log_likelihood"]').textContent()).toMatch(/^0\.000/);
  expect(await first.locator('td[data-metric="auc:dual:log_likelihood+lid"]').textContent()).toMatch(/^1\.000/);

  const scatter = page.locator('figure.plot-figure', { hasText: 'LID vs log-likelihood' });
  await scatter.locator('svg').first().waitFor();
  // Every shown point is a dot: 30 in-distribution + 30 OOD + 30 generated.
  await expect.poll(() => scatter.locator('svg circle').count()).toBe(90);
  // The dual-threshold rectangle and its legend entries for the three sets.
  expect(await scatter.locator('svg rect').count()).toBeGreaterThanOrEqual(1);
  expect(await scatter.textContent()).toContain('dual threshold: TPR 1.00, FPR 0.00');
  for (const label of ['fashion-mnist (test)', 'mnist (test)', 'fashion-mnist-gen']) expect(await scatter.textContent()).toContain(label);
  const roc = page.locator('figure.plot-figure', { hasText: 'ROC curves' });
  expect(await roc.textContent()).toContain('dual threshold (AUC 1.000)');
  expect(await roc.textContent()).toContain('naive log-likelihood (AUC 0.000)');
  expect(await page.locator('figure.plot-figure', { hasText: 'Histogram of' }).count()).toBe(2);
  await b.screenshot('evaluation-page');

  // Downloads: the figure as SVG and PNG, its data as CSV.
  const [svg] = await Promise.all([page.waitForEvent('download'), scatter.getByRole('button', { name: 'SVG' }).click()]);
  expect(svg.suggestedFilename()).toMatch(/\.svg$/);
  expect(await readDownload(svg)).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  const [png] = await Promise.all([page.waitForEvent('download'), scatter.getByRole('button', { name: 'PNG' }).click()]);
  const pngBytes = await downloaded(png);
  expect(pngBytes.subarray(1, 4).toString()).toBe('PNG');
  const [data] = await Promise.all([page.waitForEvent('download'), scatter.getByRole('button', { name: 'CSV' }).click()]);
  const lines = (await readDownload(data)).trim().split('\n');
  expect(lines[0]).toBe('set,role,index,log_likelihood,lid');
  expect(lines).toHaveLength(91);

  // Choosing the other row (generated samples as positives) redraws the figures for it.
  await rows.nth(1).click();
  await expect.poll(() => page.locator('p.muted', { hasText: 'fashion-mnist-gen vs mnist' }).count()).toBe(1);
  const [table_csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'AUC table CSV' }).click()]);
  expect((await readDownload(table_csv)).split('\n')[0]).toContain('auc:dual:log_likelihood+lid');
  expect(b.pageErrors).toEqual([]);
});
