// A worker thread starts from plain JavaScript: register tsx's loader in this thread, then load the TypeScript
// module that task-threads.ts named (it serves its tasks with serve-tasks.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
