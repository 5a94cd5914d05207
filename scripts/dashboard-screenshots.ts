/**
 * `pnpm dashboard:screenshots [--url URL] [--sweep NAME_OR_ID] [--out DIR]`: screenshots of a sweep's page and,
 * for an OOD sweep, its evaluation page, from a running coordinator, with Debian's Chromium (playwright-core).
 * Defaults: the coordinator at DGM_OOD_URL or http://127.0.0.1:8080, the newest sweep named `demo-fmnist-lid`
 * (the demo's OOD sweep), docs/images/. The README's screenshots come from here.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values } = parseArgs({
  options: { url: { type: 'string' }, sweep: { type: 'string' }, out: { type: 'string' }, width: { type: 'string' } },
});
const base = (values.url ?? process.env.DGM_OOD_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const wanted = values.sweep ?? 'demo-fmnist-lid';
const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out ?? 'docs/images');

async function json<T>(path: string): Promise<T> {
  const response = await fetch(`${base}${path}`).catch((error: Error) => {
    throw new Error(`cannot reach the coordinator at ${base} (${error.message}): start it (pnpm coordinator) or pass --url`);
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<T>;
}

type Sweep = { id: string; name: string; kind: string };
const { items } = await json<{ items: Sweep[] }>('/sweeps?pageSize=200');
const sweep = items.find((s) => s.id === wanted) ?? items.find((s) => s.name === wanted);
if (!sweep) throw new Error(`no sweep named or with id ${wanted} among the newest 200 at ${base}`);

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage({ viewport: { width: Number(values.width ?? 1360), height: 800 }, deviceScaleFactor: 1 });
  const shots: [string, string, string][] = [['sweep-page', `/#/sweeps/${sweep.id}`, 'table[data-table="jobs"] tbody tr']];
  // A running OOD sweep may have no table row yet: its page says so instead of drawing figures.
  if (sweep.kind === 'ood') shots.push(['evaluation-page', `/#/sweeps/${sweep.id}/evaluation`, 'figure.plot-figure svg, p:has-text("No rows yet")']);
  for (const [name, path, ready] of shots) {
    await page.goto(`${base}${path}`);
    await page.locator(ready).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000); // let every chart finish drawing
    const file = `${out}/${name}.png`;
    await page.screenshot({ path: file, fullPage: true });
    process.stderr.write(`[screenshots] ${sweep.name}: ${file}\n`);
  }
} finally {
  await browser.close();
}
