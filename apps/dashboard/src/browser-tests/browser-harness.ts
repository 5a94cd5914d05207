/**
 * Browser tests' harness: a live coordinator (its own throw-away database and queues) with a fixture worker,
 * the built dashboard, and Debian's Chromium driven by playwright-core (no browser download). Screenshots
 * go to test-results/screenshots/.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AppConfig } from '@dgm-ood/config';
import { createCoordinatorHarness, startFixtureWorker, type CoordinatorHarness } from '../../../coordinator/src/testing/harness.js';
import { buildDashboard } from '../build-dashboard.js';
import { dashboardBuilt, dashboardDistDir } from '../index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = fileURLToPath(new URL('../../../../test-results/screenshots/', import.meta.url));

export interface BrowserHarness {
  h: CoordinatorHarness;
  base: string;
  browser: Browser;
  page: Page;
  /** Errors the page threw or logged: a test ends by expecting none. */
  pageErrors: string[];
  submit(yaml: string, options?: { kind?: 'train' | 'ood'; name?: string }): Promise<{ id: string; jobCount: number; kind: string }>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** `config`: coordinator settings over the defaults (e.g. `apiTokens` to require sign-in). */
export async function startBrowserHarness(options: { worker?: boolean; config?: Partial<AppConfig> } = {}): Promise<BrowserHarness> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (scripts/setup.sh does, as root) or set CHROMIUM_PATH`);
  }
  // Rebuilt when any source is newer than the bundle: a stale bundle would test yesterday's pages.
  if (!dashboardBuilt() || dashboardStale()) await buildDashboard();
  const h = await createCoordinatorHarness(options.config);
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  if (!address || typeof address === 'string') throw new Error('the coordinator did not listen on a TCP port');
  const base = `http://127.0.0.1:${address.port}`;
  const worker = options.worker === false ? undefined : await startFixtureWorker(h, { concurrency: 2 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    h, base, browser, page, pageErrors,
    async submit(yaml, { kind = 'train', name }: { kind?: 'train' | 'ood'; name?: string } = {}) {
      const query = new URLSearchParams({ kind, ...(name ? { name } : {}) });
      const response = await h.app.inject({ method: 'POST', url: `/sweeps?${query}`, headers: { 'content-type': 'application/yaml' }, payload: yaml });
      if (response.statusCode >= 300) throw new Error(`POST /sweeps: ${response.statusCode} ${response.body}`);
      return response.json();
    },
    async screenshot(name) {
      const path = `${SCREENSHOTS}${name}.png`;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close().catch(() => {});
      await worker?.close();
      await h.close();
    },
  };
}

/** The bytes of a file the page downloaded. */
export async function downloaded(download: { createReadStream(): Promise<AsyncIterable<unknown>> }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Whether a file under src/web is newer than the built index.html. */
function dashboardStale(): boolean {
  const built = statSync(`${dashboardDistDir}index.html`).mtimeMs;
  const web = fileURLToPath(new URL('../web/', import.meta.url));
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) => (e.isDirectory() ? newer(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs > built));
  return newer(web);
}
