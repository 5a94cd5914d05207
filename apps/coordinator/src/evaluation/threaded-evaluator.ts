/**
 * Sweep evaluations and evaluation plots off the event loop: requests go to one worker thread (evaluation-thread.ts, through
 * threads/task-threads.ts), so `/healthz` and every other route keep answering while an O(n²) frontier is
 * computed. Concurrent requests for the same sweep and protocol share one computation. A thread that dies fails
 * what it was doing and is replaced on the next request.
 */
import { createError } from '@dgm-ood/config';
import type { EvaluationPlots, Protocol } from '@dgm-ood/evaluation';
import type { SweepEvaluation } from '@dgm-ood/jobs';
import { TaskThreads } from '../threads/task-threads.js';
import type { EvaluationAnswer, EvaluationRequest } from './evaluation-thread.js';

const EvaluationFailedError = createError<[string]>('DGM_EVALUATION_FAILED', 'the evaluation thread failed: %s', 500);

export interface SweepEvaluator {
  evaluate(sweepId: string, protocol?: Protocol): Promise<SweepEvaluation>;
  /** One table row's plots (its first replicate's positive and negative job ids); null: no such row. */
  plots(sweepId: string, positive: string, negative: string): Promise<EvaluationPlots | null>;
  close(): Promise<void>;
}

export class ThreadedEvaluator implements SweepEvaluator {
  private readonly threads: TaskThreads<EvaluationRequest, EvaluationAnswer>;
  private readonly inFlight = new Map<string, Promise<SweepEvaluation>>();

  constructor(databaseUrl: string) {
    this.threads = new TaskThreads({
      module: new URL('./evaluation-thread.ts', import.meta.url),
      data: { databaseUrl },
      failure: (reason) => new EvaluationFailedError(reason),
    });
  }

  evaluate(sweepId: string, protocol: Protocol = { name: 'exact' }): Promise<SweepEvaluation> {
    const key = JSON.stringify([sweepId, protocol]);
    const running = this.inFlight.get(key);
    if (running) return running;
    const promise = (this.threads.run({ task: 'table', sweepId, protocol }) as Promise<SweepEvaluation>).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }

  plots(sweepId: string, positive: string, negative: string): Promise<EvaluationPlots | null> {
    return this.threads.run({ task: 'plots', sweepId, positive, negative }) as Promise<EvaluationPlots | null>;
  }

  close(): Promise<void> {
    return this.threads.close();
  }
}
