import { isUserFacingError } from './errors.js';

/**
 * Runs a command's main function. A user-facing (coded DGM_*) error becomes exactly one line on
 * stderr and exit code 1 (or the error's `exitCode`); anything else is a bug and keeps its stack.
 */
export async function runMain(main: () => Promise<number | void>): Promise<void> {
  try {
    const code = await main();
    process.exitCode = typeof code === 'number' ? code : 0;
  } catch (error) {
    if (isUserFacingError(error)) {
      const message = error.message.replace(/\s*\n\s*/g, ' ');
      process.stderr.write(`error [${error.code}]: ${message}\n`);
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    } else {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 70;
    }
  }
}
