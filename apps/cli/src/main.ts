/** Entry point: `pnpm --silent dgm-ood <command> ...` (root script) or `tsx apps/cli/src/main.ts`. */
import { runCli } from './cli.js';
import { processIo } from './io.js';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`dgm-ood: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
