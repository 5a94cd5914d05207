/** The thread's side of task-threads.ts: runs each task it is sent, one at a time, and posts what came of it. */
import { parentPort, workerData } from 'node:worker_threads';

/** What the parent passed as `data`. */
export const threadData: unknown = (workerData as { data?: unknown }).data;

/** Answers tasks with `handle`; an error goes back as its message, code, statusCode and errors (a coded error's fields). */
export function serveTasks<Req, Res>(handle: (request: Req) => Res | Promise<Res>): void {
  const port = parentPort!;
  port.on('message', async ({ id, request }: { id: number; request: Req }) => {
    port.postMessage({ id, started: true });
    try {
      port.postMessage({ id, result: await handle(request) });
    } catch (error) {
      const { message, code, statusCode, errors } = error as Error & { code?: string; statusCode?: number; errors?: unknown };
      port.postMessage({ id, error: { message, ...(code !== undefined ? { code } : {}), ...(statusCode !== undefined ? { statusCode } : {}), ...(errors !== undefined ? { errors } : {}) } });
    }
  });
  port.postMessage({ ready: true });
}
