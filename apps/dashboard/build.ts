// `pnpm dashboard:build`: see src/build-dashboard.ts.
import { buildDashboard } from './src/build-dashboard.js';

const { dir, bytes, ms } = await buildDashboard();
process.stderr.write(`[dashboard] built ${dir} (${(bytes / 1024).toFixed(0)} KiB incl. source map) in ${ms} ms\n`);
