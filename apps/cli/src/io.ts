/** What a command may touch: its output streams and the files it is asked to read. Injected so commands test without a process. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Read a file named on the command line (relative to the invoking directory). */
  readFile(path: string): string;
}

export function processIo(): CliIo {
  // pnpm runs scripts from the workspace root; INIT_CWD is where the user typed the command.
  const base = process.env.INIT_CWD ?? process.cwd();
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => readFileSync(resolve(base, p), 'utf8'),
  };
}

/** Exit codes shared by all commands. */
export const EXIT = { ok: 0, usage: 1, invalidInput: 2 } as const;
