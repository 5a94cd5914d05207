import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFixtureWorker, waitForSweep } from '../../../coordinator/src/testing/harness.js';
import { buildDashboard } from '../build-dashboard.js';
import { startBrowserHarness, type BrowserHarness } from './browser-harness.js';

let b: BrowserHarness;
let gpuWorker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  await buildDashboard();
  b = await startBrowserHarness();
});
afterAll(async () => {
  await gpuWorker?.close();
  await b?.close();
});

test('the sweep page says which queued jobs no live worker can serve, and stops saying it once a worker that can has run them', async () => {
  const sweep = await b.submit('project: f\nbase_config: {fixture: succeed, trainer: {}, resources: {device: gpu, memory_gib: 16}}\nsweep_configuration:\n  points: {sweep: true, values: [1, 2]}\n', { name: 'needs-gpu' });
  const { page } = b;
  await page.goto(`${b.base}/#/sweeps/${sweep.id}`);
  const notice = page.locator('[data-unservable="gpu-16gib"]');
  await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(1);
  expect(await notice.textContent()).toMatch(/^2 queued train job\(s\) of requirement class gpu-16gib: needs a gpu with at least 16 GiB; live train workers have: .* cpu with 8 GiB\. The jobs stay queued/);
  await b.screenshot('sweep-page-unservable');

  gpuWorker = await startFixtureWorker(b.h, { workerId: 'gpu-1', resources: { device: 'gpu', memoryGib: 80, backend: 'webgpu', reason: 'test' } });
  await waitForSweep(b.h, sweep.id, (s) => s.status === 'succeeded');
  await expect.poll(() => page.locator('.facts').textContent()).toContain('2 succeeded');
  expect(await notice.count()).toBe(0);
  expect(b.pageErrors).toEqual([]);
});
