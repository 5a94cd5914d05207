/**
 * The body of the evaluation thread: sweeps' AUC tables (an exact dual-threshold frontier is O(n²) in the points
 * of a pair) computed here, never on the coordinator's event loop. One request at a time; its own small pool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createPool } from '@dgm-ood/db';
import type { Protocol } from '@dgm-ood/evaluation';
import { evaluateSweep } from '@dgm-ood/jobs';

export interface EvaluationRequest {
  id: number;
  sweepId: string;
  protocol: Protocol;
}

const pool = createPool((workerData as { databaseUrl: string }).databaseUrl, { max: 2 });
let queue = Promise.resolve();

parentPort!.on('message', (request: EvaluationRequest | 'close') => {
  if (request === 'close') {
    void queue.then(() => pool.end()).then(() => process.exit(0));
    return;
  }
  queue = queue.then(async () => {
    try {
      parentPort!.postMessage({ id: request.id, result: await evaluateSweep(pool, request.sweepId, request.protocol) });
    } catch (error) {
      const e = error as Error & { code?: string; statusCode?: number };
      parentPort!.postMessage({ id: request.id, error: { message: e.message, code: e.code, statusCode: e.statusCode } });
    }
  });
});
