/**
 * Processes a chaos test starts: each in a process group of its own (so its children go with it), its output in a
 * log file, and a watchdog that kills the group if the test process itself dies; directories likewise removed. A test
 * run stopped from outside (its time budget) leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly exited: Promise<Exit>;
  /** True until the process itself exits (members of its group may outlive it). */
  running(): boolean;
  /** SIGKILL to the process alone, as `kill -9 PID` (its children are left to notice). */
  kill9(): Promise<Exit>;
  /** `signal` to the process alone; SIGKILL to its whole group after `graceMs`; resolves once the group is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Whether any process of its group is still alive (e.g. an orphaned handler process). */
  groupAlive(): boolean;
  /** The last `chars` characters of its output. */
  logTail(chars?: number): string;
}

// Watches a process group ($2) or a directory ($3) for the test process ($1): once the test process is gone, kills the
// group or removes the directory. Ends itself when the group is empty or the directory removed.
const WATCHDOG = `
while { [ -z "$2" ] || kill -0 -- "-$2" 2>/dev/null; } && { [ -z "$3" ] || [ -e "$3" ]; }; do
  if ! kill -0 "$1" 2>/dev/null; then
    [ -z "$2" ] || kill -KILL -- "-$2" 2>/dev/null
    [ -z "$3" ] || { sleep 1; rm -rf -- "$3"; }
    exit 0
  fi
  sleep 1
done`;

function watchdog(target: { group?: number; dir?: string }): ChildProcess {
  const child = spawn('bash', ['-c', WATCHDOG, 'chaos-watchdog', String(process.pid), String(target.group ?? ''), target.dir ?? ''], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/** A directory of the test's that is removed even when the test process is killed; `remove()` removes it now. */
export function ownedDirectory(dir: string): { dir: string; remove(): void } {
  const guard = watchdog({ dir });
  return {
    dir,
    remove() {
      rmSync(dir, { recursive: true, force: true });
      if (guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
    },
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: its exit event is on its way.
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function startProcess(
  name: string,
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; logFile: string },
): ManagedProcess {
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve((exit = { code, signal })));
    child.once('error', () => resolve((exit = { code: null, signal: null })));
  });
  const guard = watchdog({ group: pid });

  const managed: ManagedProcess = {
    name,
    pid,
    exited,
    running: () => exit === undefined,
    async kill9() {
      if (exit === undefined) signal(pid, 'SIGKILL');
      return exited;
    },
    async stop(sig = 'SIGTERM', graceMs = 10_000) {
      if (exit === undefined) signal(pid, sig);
      await Promise.race([exited, sleep(graceMs)]);
      for (let i = 0; groupAlive(pid) && i < 100; i++) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          break;
        }
        await sleep(50);
      }
      await exited;
      if (guard.exitCode === null && guard.signalCode === null) guard.kill('SIGKILL');
    },
    groupAlive: () => groupAlive(pid),
    logTail(chars = 4000) {
      try {
        return readFileSync(options.logFile, 'utf8').slice(-chars);
      } catch {
        return '';
      }
    },
  };
  return managed;
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; fails after `capMs` with `what`. */
export async function waitUntil<T>(what: string, check: () => Promise<T | undefined> | T | undefined, capMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + capMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`gave up after ${capMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await sleep(everyMs);
  }
}
