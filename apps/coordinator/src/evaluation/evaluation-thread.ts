/**
 * The body of the evaluation thread: sweeps' AUC tables (an exact dual-threshold frontier is O(n²) in the points
 * of a pair) and the evaluation page's plots (every scored row of the sweep loaded, ROC curves and the dual
 * frontier) computed here, never on the coordinator's event loop. One request at a time; its own small pool.
 */
import { createPool } from '@dgm-ood/db';
import { evaluationPlots, type EvaluationPlots, type Protocol } from '@dgm-ood/evaluation';
import { evaluateSweep, loadScoredJobs, type SweepEvaluation } from '@dgm-ood/jobs';
import { serveTasks, threadData } from '../threads/serve-tasks.js';

export type EvaluationRequest =
  | { task: 'table'; sweepId: string; protocol: Protocol }
  /** One table row's plots, the row named by its first replicate's positive and negative job ids. */
  | { task: 'plots'; sweepId: string; positive: string; negative: string };

/** A table, or a row's plots (null: the sweep has no such row). */
export type EvaluationAnswer = SweepEvaluation | EvaluationPlots | null;

const pool = createPool((threadData as { databaseUrl: string }).databaseUrl, { max: 2 });

serveTasks(async (request: EvaluationRequest): Promise<EvaluationAnswer> => {
  if (request.task === 'table') return evaluateSweep(pool, request.sweepId, request.protocol);
  return evaluationPlots(await loadScoredJobs(pool, request.sweepId), request.positive, request.negative) ?? null;
});
