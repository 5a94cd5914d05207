import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { JsonValue } from '@dgm-ood/jobs';
import { deserializeError, serializeError, type ExecutionHost, type Executor, type RunRequest } from './executor.js';
import type { ToChild, ToParent } from './protocol.js';

const CHILD_ENTRY = fileURLToPath(new URL('./child.ts', import.meta.url));

interface Child {
  process: ChildProcess;
  busy: boolean;
}

/**
 * Runs each handler in a child process (reused between jobs): a long synchronous tensor op there
 * cannot stall the worker's event loop, so lease renewal, progress and cancellation keep working.
 */
export class ProcessExecutor implements Executor {
  private readonly children = new Set<Child>();
  private nextRunId = 1;

  constructor(
    private readonly handlerModules: readonly string[],
    private readonly options: { abortGraceMs?: number } = {},
  ) {}

  private async spawn(): Promise<Child> {
    const child = fork(CHILD_ENTRY, [], {
      execArgv: ['--import', 'tsx'],
      serialization: 'advanced',
      env: { ...process.env, DGM_OOD_CHILD_HANDLERS: JSON.stringify(this.handlerModules) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const entry: Child = { process: child, busy: true };
    child.once('exit', () => this.children.delete(entry));
    const [message] = (await Promise.race([
      once(child, 'message'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`handler process exited (code ${code}) before it was ready`);
      }),
    ])) as [ToParent];
    if (message.t !== 'ready') throw new Error(`handler process sent ${message.t} before ready`);
    this.children.add(entry);
    return entry;
  }

  private async acquire(): Promise<Child> {
    for (const child of this.children) {
      if (!child.busy && child.process.connected) {
        child.busy = true;
        return child;
      }
    }
    return this.spawn();
  }

  async run(request: RunRequest, host: ExecutionHost, signal: AbortSignal): Promise<JsonValue | undefined> {
    const child = await this.acquire();
    const runId = this.nextRunId++;
    const proc = child.process;
    const send = (message: ToChild) => {
      if (proc.connected) proc.send(message);
    };
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      send({ t: 'abort', runId, reason: String(signal.reason ?? 'aborted') });
      // A handler that ignores the signal is stopped the hard way.
      killTimer = setTimeout(() => proc.kill('SIGKILL'), this.options.abortGraceMs ?? 30_000);
    };
    try {
      return await new Promise<JsonValue | undefined>((resolve, reject) => {
        const finish = (settle: () => void) => {
          proc.off('message', onMessage);
          proc.off('exit', onExit);
          signal.removeEventListener('abort', onAbort);
          settle();
        };
        const onMessage = (message: ToParent) => {
          if (!('runId' in message) || message.runId !== runId) return;
          if (message.t === 'log') host.log(message.line);
          else if (message.t === 'done') finish(() => resolve(message.value ?? undefined));
          else if (message.t === 'failed') finish(() => reject(deserializeError(message.error)));
          else if (message.t === 'call') {
            const method = host[message.method] as (...args: unknown[]) => Promise<unknown>;
            method
              .apply(host, message.args)
              .then((value) => send({ t: 'reply', callId: message.callId, ok: true, value: (value ?? null) as JsonValue }))
              .catch((error: unknown) => send({ t: 'reply', callId: message.callId, ok: false, error: serializeError(error) }));
          }
        };
        const onExit = (code: number | null, sig: string | null) =>
          finish(() =>
            reject(new Error(`handler process died (${sig ? `signal ${sig}` : `exit code ${code}`}) while running job ${request.job.id}`)),
          );
        proc.on('message', onMessage);
        proc.once('exit', onExit);
        // 'run' first: an abort sent before it would reach a child that does not know the run yet.
        send({ t: 'run', runId, request });
        signal.addEventListener('abort', onAbort, { once: true });
        if (signal.aborted) onAbort();
      });
    } finally {
      if (killTimer) clearTimeout(killTimer);
      child.busy = false;
    }
  }

  async close(): Promise<void> {
    const exits = [...this.children].map(async (child) => {
      if (child.process.exitCode !== null || child.process.signalCode !== null) return;
      const exited = once(child.process, 'exit');
      child.process.disconnect();
      const timer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    });
    await Promise.all(exits);
  }
}
