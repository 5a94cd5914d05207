/**
 * Builds the dashboard into dist/: one bundled, minified script (Preact + Observable Plot, from src/web), the
 * stylesheet and index.html. `pnpm dashboard:build` runs it (scripts/setup.sh does); the coordinator serves dist/.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { dashboardDistDir } from './index.js';

const source = (path: string) => fileURLToPath(new URL(`./web/${path}`, import.meta.url));

export async function buildDashboard(): Promise<{ dir: string; bytes: number; ms: number }> {
  const started = Date.now();
  const dist = dashboardDistDir;
  await rm(dist, { recursive: true, force: true });
  await mkdir(dist, { recursive: true });
  const result = await build({
    entryPoints: [source('main.tsx')],
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outfile: `${dist}app.js`,
    metafile: true,
    logLevel: 'warning',
  });
  await copyFile(source('index.html'), `${dist}index.html.partial`);
  await copyFile(source('styles.css'), `${dist}styles.css`);
  // index.html last: its presence is what "built" means to the coordinator.
  await copyFile(`${dist}index.html.partial`, `${dist}index.html`);
  await rm(`${dist}index.html.partial`);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  return { dir: dist, bytes, ms: Date.now() - started };
}
