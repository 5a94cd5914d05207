/** What a command may touch: its output streams and the files it is asked to read. Injected so commands test without a process. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Read a file named on the command line (relative to the invoking directory). */
  readFile(path: string): string;
  /** stdout when it is a terminal (live progress bars redraw on it); absent when output is piped or captured. */
  terminal?: NodeJS.WritableStream;
}

export function processIo(): CliIo {
  // pnpm runs scripts from the workspace root; INIT_CWD is where the user typed the command.
  const base = process.env.INIT_CWD ?? process.cwd();
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readFile: (p) => readFileSync(resolve(base, p), 'utf8'),
    ...(process.stdout.isTTY ? { terminal: process.stdout } : {}),
  };
}

/** Exit codes shared by all commands (each one is described in EXIT_CODES, which the help prints). */
export const EXIT = { ok: 0, usage: 1, invalidInput: 2, serviceError: 3, unreachable: 4, jobsFailed: 5, runFailed: 6, interrupted: 130 } as const;

export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: EXIT.ok, meaning: 'success' },
  { code: EXIT.usage, meaning: 'usage error: unknown command or option, missing argument' },
  { code: EXIT.invalidInput, meaning: 'invalid input: a file that cannot be read or is invalid, an unknown sweep or job name' },
  { code: EXIT.serviceError, meaning: "the coordinator answered with an error (HTTP 4xx/5xx); its code and message are printed" },
  { code: EXIT.unreachable, meaning: 'the coordinator cannot be reached at its URL (--url, DGM_OOD_URL)' },
  { code: EXIT.jobsFailed, meaning: 'the sweep (or job) ended with failed or cancelled jobs' },
  { code: EXIT.runFailed, meaning: 'a single run (train, ood) failed (its handler threw: the error is printed and kept in summary.json), or PostgreSQL could not record it' },
  { code: EXIT.interrupted, meaning: 'a single run was stopped by Ctrl-C (SIGINT) after checkpointing; run the same command again to resume' },
];
