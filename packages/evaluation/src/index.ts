export { rocAuc, rocCurve } from './roc-auc.js';
export { dualThresholdAuc, dualThresholdFrontier } from './dual-threshold.js';
export type { Frontier, Scores2D } from './dual-threshold.js';
export { referenceDualThresholdAuc } from './reference-protocol.js';
export type { ReferenceProtocolOptions } from './reference-protocol.js';
export { evaluatePair } from './evaluation-table.js';
export type { PairEvaluation, Protocol, ScoredSet } from './evaluation-table.js';
export { buildEvaluationTable, classifyJob, formatEvaluationTable, GENERATED_DATASET } from './sweep-table.js';
export type { EvaluationRow, PositiveKind, ScoredJob } from './sweep-table.js';
