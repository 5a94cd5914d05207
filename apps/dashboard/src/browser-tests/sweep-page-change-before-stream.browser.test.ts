import { afterAll, beforeAll, expect, test } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from './browser-harness.js';

// Named failure (found in CI: "cancel and retry-failed buttons act on the sweep" waited 20 s for a running row): the
// event streams carry changes only, so a job that started after the page fetched its jobs but before the page's stream
// was open, and then reported nothing more (a hanging job), stayed "queued" on the page for good. Here the stream's
// request is held back while a job starts, as a worker elsewhere would start it.
let b: BrowserHarness;
beforeAll(async () => {
  b = await startBrowserHarness({ worker: false });
});
afterAll(async () => {
  await b?.close();
});

test('a job that starts before the sweep page’s stream is open shows as running once it opens', async () => {
  const sweep = await b.submit('project: gap\nbase_config: {fixture: noop}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n', { name: 'gap' });
  const { page } = b;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(`**/sweeps/${sweep.id}/events`, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${b.base}/#/sweeps/${sweep.id}`);
  await expect.poll(() => page.locator('tr[data-job-state="queued"]').count()).toBe(2);
  const [job] = (await b.h.app.inject({ url: `/sweeps/${sweep.id}/jobs` })).json().items;
  await b.h.pool.query(`UPDATE jobs SET state = 'running', attempts = 1, started_at = now(), updated_at = now() WHERE id = $1`, [job.id]);
  await new Promise((r) => setTimeout(r, 1000)); // the notification has come and gone: nobody listened yet
  release();
  await page.locator('tr[data-job-state="running"]').waitFor({ timeout: 10_000 });
  expect(await page.locator('tr[data-job-state="queued"]').count()).toBe(1);
  expect(b.pageErrors).toEqual([]);
});
