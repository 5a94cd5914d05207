/** Where the built dashboard lives (apps/dashboard/dist, written by `pnpm dashboard:build`), for the coordinator to serve. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const dashboardDistDir = fileURLToPath(new URL('../dist/', import.meta.url));

export function dashboardBuilt(): boolean {
  return existsSync(`${dashboardDistDir}index.html`);
}
