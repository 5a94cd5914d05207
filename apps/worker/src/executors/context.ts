import type { JobContext, JobLogger } from '@dgm-ood/jobs';
import type { ExecutionHost, RunRequest } from './executor.js';

export function buildContext(request: RunRequest, host: ExecutionHost, signal: AbortSignal): JobContext {
  const log: JobLogger = {
    info: (message, data) => host.log({ level: 'info', message, ...(data ? { data } : {}) }),
    warn: (message, data) => host.log({ level: 'warn', message, ...(data ? { data } : {}) }),
    error: (message, data) => host.log({ level: 'error', message, ...(data ? { data } : {}) }),
  };
  return {
    job: request.job,
    workdir: request.workdir,
    modelDir: request.modelDir,
    models: request.models,
    signal,
    log,
    progress: (report) => host.progress(report),
    provenance: (fields) => host.provenance(fields),
    metrics: (points) => host.metrics(points),
    cache: { get: (key) => host.cacheGet(key), put: (key, value) => host.cachePut(key, value) },
    results: { write: (rows) => host.writeResults(rows) },
    artifacts: {
      save: (name, kind) => host.saveArtifact(name, kind),
      remove: (name) => host.removeArtifact(name),
      list: () => host.listArtifacts(),
    },
  };
}
