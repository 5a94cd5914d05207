/** A thread for task-threads' tests: answers with its thread id, spins forever, exits, or throws a coded error. */
import { threadId } from 'node:worker_threads';
import { serveTasks } from '../serve-tasks.js';

export type ProbeRequest = 'id' | 'spin' | 'exit' | 'throw';

serveTasks((request: ProbeRequest) => {
  if (request === 'spin') for (;;);
  if (request === 'exit') process.exit(3);
  if (request === 'throw') throw Object.assign(new Error('refused'), { code: 'DGM_PROBE', statusCode: 418, errors: [{ path: 'x' }] });
  return threadId;
});
