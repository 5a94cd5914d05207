export { startWorker } from './worker.js';
export type { RunningWorker, WorkerOptions } from './worker.js';
export { HandlerRegistry } from './registry.js';
export { createDatabaseHost, resolveModelDirs } from './database-host.js';
export type { DatabaseHost, DatabaseHostOptions } from './database-host.js';
export { InlineExecutor } from './executors/inline.js';
export type { ExecutionHost, RunRequest } from './executors/executor.js';
export { DEFAULT_HANDLER_MODULES } from './handlers.js';
export { baseProvenance, detectCodeVersion } from './provenance.js';
