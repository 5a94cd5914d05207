export { startWorker } from './worker.js';
export type { RunningWorker, WorkerOptions } from './worker.js';
export { HandlerRegistry } from './registry.js';
