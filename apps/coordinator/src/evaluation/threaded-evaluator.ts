/**
 * Sweep evaluations off the event loop: requests go to one worker thread (evaluation-thread.ts), so `/healthz` and
 * every other route keep answering while an O(n²) frontier is computed. Concurrent requests for the same sweep and
 * protocol share one computation. A thread that dies fails what it was doing and is replaced on the next request.
 */
import { Worker } from 'node:worker_threads';
import { createError } from '@dgm-ood/config';
import type { Protocol } from '@dgm-ood/evaluation';
import type { SweepEvaluation } from '@dgm-ood/jobs';

const EvaluationFailedError = createError<[string]>('DGM_EVALUATION_FAILED', 'the evaluation thread failed: %s', 500);

export interface SweepEvaluator {
  evaluate(sweepId: string, protocol?: Protocol): Promise<SweepEvaluation>;
  close(): Promise<void>;
}

type Pending = { resolve: (value: SweepEvaluation) => void; reject: (error: Error) => void };

export class ThreadedEvaluator implements SweepEvaluator {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly inFlight = new Map<string, Promise<SweepEvaluation>>();

  constructor(private readonly databaseUrl: string) {}

  evaluate(sweepId: string, protocol: Protocol = { name: 'exact' }): Promise<SweepEvaluation> {
    const key = JSON.stringify([sweepId, protocol]);
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = new Promise<SweepEvaluation>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.thread().postMessage({ id, sweepId, protocol });
    }).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL('./evaluation-thread-entry.mjs', import.meta.url), { workerData: { databaseUrl: this.databaseUrl } });
    worker.on('message', (message: { id: number; result?: SweepEvaluation; error?: { message: string; code?: string; statusCode?: number } }) => {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(Object.assign(new Error(message.error.message), message.error));
      else pending.resolve(message.result!);
    });
    const fail = (reason: string) => {
      if (this.worker === worker) this.worker = undefined;
      for (const pending of this.pending.values()) pending.reject(new EvaluationFailedError(reason));
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`it exited (code ${code})`));
    // The thread never keeps a finished process alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    await worker.terminate();
  }
}
