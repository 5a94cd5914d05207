export { rocAuc, rocCurve } from './roc-auc.js';
export { dualThresholdAuc, dualThresholdFrontier } from './dual-threshold.js';
export type { Frontier, Scores2D } from './dual-threshold.js';
export { REFERENCE_COMPUTE_LIMIT, REFERENCE_SEED, referenceDualThresholdAuc } from './reference-protocol.js';
export type { ReferenceProtocolOptions } from './reference-protocol.js';
export { evaluatePair, isProtocolName, PROTOCOL_NAMES, protocolNamed } from './evaluation-table.js';
export type { PairEvaluation, Protocol, ProtocolName, ScoredSet } from './evaluation-table.js';
export {
  BOOTSTRAP_LEVEL, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, DEFAULT_BOOTSTRAP, DUAL_THRESHOLD_BOOTSTRAP_BUDGET, DUAL_THRESHOLD_BOOTSTRAP_CAP, DUAL_THRESHOLD_MIN_RESAMPLES,
  dualThresholdResamples, percentileInterval,
} from './bootstrap.js';
export type { BootstrapOptions, ConfidenceInterval } from './bootstrap.js';
export { dualMetric, MAX_METRIC, scoreMetrics, singleMetric } from './score-metrics.js';
export type { MetricEstimate, MetricKind, Replicate, ScoreColumns, ScoreMetricOptions } from './score-metrics.js';
export {
  buildEvaluationTable, classifyJob, commonSchema, evaluateTask, evaluationTasks, formatEvaluationTable, GENERATED_DATASET, rowMetric,
} from './sweep-table.js';
export type { EvaluationRow, EvaluationRowIdentity, EvaluationTask, PositiveKind, ScoredJob, TableOptions } from './sweep-table.js';
export { niceTicks, scatterSvg } from './scatter-svg.js';
export type { ScatterOptions, ScatterSeries } from './scatter-svg.js';
export { LEGACY_SCORE_SCHEMA, orient, parseScoreSchema, SCORE_NAME_PATTERN, scoreSchemaProblems } from './score-schema.js';
export type { ScoreCombination, ScoreDescriptor, ScoreDirection, ScoreSchema } from './score-schema.js';
export { bestDualThreshold, evaluationPlots, PLOT_POINTS_PER_SET } from './evaluation-plots.js';
export type { DualOperatingPoint, EvaluationPlots, PlotCurve, PlotSet, PlotSetRole } from './evaluation-plots.js';
