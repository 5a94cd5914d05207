/**
 * The body of the evaluation thread: sweeps' AUC tables (an exact dual-threshold frontier is O(n²) in the points
 * of a pair) computed here, never on the coordinator's event loop. One request at a time; its own small pool.
 */
import { createPool } from '@dgm-ood/db';
import type { Protocol } from '@dgm-ood/evaluation';
import { evaluateSweep } from '@dgm-ood/jobs';
import { serveTasks, threadData } from '../threads/serve-tasks.js';

export interface EvaluationRequest {
  sweepId: string;
  protocol: Protocol;
}

const pool = createPool((threadData as { databaseUrl: string }).databaseUrl, { max: 2 });

serveTasks((request: EvaluationRequest) => evaluateSweep(pool, request.sweepId, request.protocol));
