import type { JobInfo, JsonValue, ProgressReport } from '@dgm-ood/jobs';
import type { ExecutionHost, Executor, RunRequest } from './executors/executor.js';

/** How one handler run on this worker ended (an attempt, not necessarily the job). */
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** Told about every handler run (e.g. worker metrics); must not throw. */
export interface JobObserver {
  onJobStart(job: JobInfo): void;
  onProgress(job: JobInfo, report: ProgressReport): void;
  onJobEnd(job: JobInfo, outcome: RunOutcome): void;
}

/** `executor` reporting each run's start, progress reports and end to `observer`; otherwise unchanged. */
export function observeExecutor(executor: Executor, observer: JobObserver): Executor {
  return {
    async run(request: RunRequest, host: ExecutionHost, signal: AbortSignal): Promise<JsonValue | undefined> {
      const { job } = request;
      // Delegates member by member (not a spread) so that a host built as a class keeps its methods.
      const observed: ExecutionHost = {
        progress(report) {
          observer.onProgress(job, report);
          return host.progress(report);
        },
        provenance: (fields) => host.provenance(fields),
        metrics: (points) => host.metrics(points),
        cacheGet: (key) => host.cacheGet(key),
        cachePut: (key, value) => host.cachePut(key, value),
        writeResults: (rows) => host.writeResults(rows),
        saveArtifact: (name, kind) => host.saveArtifact(name, kind),
        removeArtifact: (name) => host.removeArtifact(name),
        listArtifacts: () => host.listArtifacts(),
        log: (line) => host.log(line),
      };
      observer.onJobStart(job);
      let outcome: RunOutcome = 'failed';
      try {
        const summary = await executor.run(request, observed, signal);
        outcome = 'succeeded';
        return summary;
      } catch (error) {
        // The worker aborts with a reason: 'cancelled' (the job was cancelled) or 'shutdown' (requeued).
        if (signal.aborted) outcome = signal.reason === 'cancelled' ? 'cancelled' : signal.reason === 'shutdown' ? 'interrupted' : 'failed';
        throw error;
      } finally {
        observer.onJobEnd(job, outcome);
      }
    },
    close: () => executor.close(),
  };
}
