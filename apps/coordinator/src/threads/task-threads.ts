/**
 * Work that must not run on the coordinator's event loop (an O(n²) evaluation, a meta-configuration's expansion)
 * goes to worker threads through this: tasks queue here and each thread runs one at a time, so a deadline counts
 * only a task's own time in its thread, never its wait. A thread that crashes, exits or runs past a task's
 * deadline is terminated; the task fails with the caller's error and the next task gets a fresh thread.
 * The thread's side is serve-tasks.ts.
 */
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';

/** What a thread posts: ready once loaded; per task, started, then a result or an error's own fields. */
export type ThreadMessage<Res> =
  | { ready: true }
  | { id: number; started: true }
  | { id: number; result: Res }
  | { id: number; error: { message: string } & Record<string, unknown> };

export interface TaskThreadsOptions {
  /** The TypeScript module the thread runs (it calls serveTasks). */
  module: URL;
  /** Passed to the module as `workerData.data`. */
  data?: unknown;
  /** Threads at most (default 1); each runs one task at a time. */
  threads?: number;
  /** The error a task gets when its thread fails under it. */
  failure: (reason: string) => Error;
  /** The error a task gets when close() ends it (default: `failure`). */
  closing?: () => Error;
}

export interface TaskOptions {
  /** Terminate the thread when the task has run this long in it. */
  deadlineMs?: number;
  /** The error the task gets then. */
  onDeadline?: (deadlineMs: number) => Error;
}

interface Task<Req, Res> {
  id: number;
  request: Req;
  options: TaskOptions;
  resolve: (value: Res) => void;
  reject: (error: Error) => void;
}

interface Slot<Req, Res> {
  worker: Worker;
  ready: boolean;
  task?: Task<Req, Res>;
  timer?: NodeJS.Timeout;
}

const ENTRY = new URL('./thread-entry.mjs', import.meta.url);

/** Emits `started` (task id) when a thread begins a task: lets tests and metrics tell running from queued. */
export class TaskThreads<Req, Res> extends EventEmitter {
  private readonly slots = new Set<Slot<Req, Res>>();
  private readonly queue: Task<Req, Res>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: TaskThreadsOptions) {
    super();
  }

  run(request: Req, options: TaskOptions = {}): Promise<Res> {
    if (this.closed) return Promise.reject(this.closingError());
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, options, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.ready && slot.task === undefined) this.dispatch(slot, this.queue.shift()!);
    }
    const starting = [...this.slots].filter((s) => !s.ready).length;
    if (this.queue.length > starting && this.slots.size < (this.options.threads ?? 1)) this.spawn();
  }

  private dispatch(slot: Slot<Req, Res>, task: Task<Req, Res>): void {
    slot.task = task;
    const { deadlineMs, onDeadline } = task.options;
    if (deadlineMs !== undefined) {
      slot.timer = setTimeout(() => {
        this.retire(slot);
        task.reject(onDeadline?.(deadlineMs) ?? this.options.failure(`the task ran past its deadline of ${deadlineMs} ms`));
        void slot.worker.terminate();
        this.pump();
      }, deadlineMs);
      slot.timer.unref();
    }
    slot.worker.postMessage({ id: task.id, request: task.request });
  }

  private spawn(): void {
    const worker = new Worker(ENTRY, { workerData: { module: this.options.module.href, data: this.options.data } });
    const slot: Slot<Req, Res> = { worker, ready: false };
    this.slots.add(slot);
    worker.on('message', (message: ThreadMessage<Res>) => {
      if ('ready' in message) {
        slot.ready = true;
        this.pump();
        return;
      }
      const task = slot.task;
      if (task === undefined || task.id !== message.id) return;
      if ('started' in message) {
        this.emit('started', task.id);
        return;
      }
      clearTimeout(slot.timer);
      slot.task = undefined;
      if ('error' in message) task.reject(Object.assign(new Error(message.error.message), message.error));
      else task.resolve(message.result);
      this.pump();
    });
    const fail = (reason: string) => {
      if (!this.slots.has(slot)) return;
      this.retire(slot);
      const failure = this.options.failure(reason);
      slot.task?.reject(failure);
      // A thread that never got ready would fail the same way again: fail what waits instead of respawning forever.
      if (!slot.ready) for (const task of this.queue.splice(0)) task.reject(failure);
      this.pump();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`it exited (code ${code})`));
    // A thread never keeps a finished process alive.
    worker.unref();
  }

  private closingError(): Error {
    return this.options.closing?.() ?? this.options.failure('the coordinator is shutting down');
  }

  private retire(slot: Slot<Req, Res>): void {
    clearTimeout(slot.timer);
    this.slots.delete(slot);
  }

  async close(): Promise<void> {
    this.closed = true;
    const failure = this.closingError();
    for (const task of this.queue.splice(0)) task.reject(failure);
    const slots = [...this.slots];
    this.slots.clear();
    for (const slot of slots) {
      clearTimeout(slot.timer);
      slot.task?.reject(failure);
    }
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }
}
