export type {
  ArtifactRecord, HandlerModule, ObjectLogger, JobArtifacts, JobContext, JobHandler, JobInfo, JobKind, JobLogger, JsonValue,
  MetricPoint, ProgressReport, ProvenanceFields, ResolvedModelDir, SharedCache, ResultRow, ResultWriter,
} from './contract.js';
export { objectLogger } from './contract.js';
export { DeterministicJobError, isDeterministicFailure, isStaleAttempt, JobNotFoundError, NoHandlerError, StaleAttemptError } from './errors.js';
export {
  appendLogs, completeAttempt, failAttempt, failDependents, interruptAttempt, recordBackend, recordCancelledAttempt, readSharedCache, recordMetrics, recordProvenance, reportProgress,
  startAttempt, writeResults, writeSharedCache,
} from './lifecycle.js';
export type { JobState, LogLine, ReleasedJob, SkippedAttempt, StartedAttempt } from './lifecycle.js';
export { DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS, sweepRetryPolicy } from './policy.js';
export { cancelSweep, createSweep, requeueJobs, workdirKeyFor } from './sweeps.js';
export { IMPORTED_CHECKPOINT_ARTIFACT, registerImport, type NewImport } from './imports.js';
export type { CreatedJob, NewJob, NewSweep, StoppedJobs } from './sweeps.js';
export { markSweepRunning, refreshSweepStatus, settleSweepIfDone } from './sweep-status.js';
export { reconcileQueues, settleWaitingJobs } from './reconcile.js';
export {
  findUnservableJobs, listRequirementClasses, liveWorkers, recordHeartbeat, recordRequirementClasses, removeHeartbeat,
  requirementClassOfConfig, unservableReason, withRequirementClasses,
} from './requirement-classes.js';
export type { UnservableJobs, WorkerHeartbeat } from './requirement-classes.js';
export { findModelReferences, ModelReferenceError, resolveModelReference } from './model-refs.js';
export type { ModelReference, ResolvedModel } from './model-refs.js';
export * from './artifacts/index.js';
export { evaluateSweep, jobScoring, loadScoredJobs, ScoreSchemaInvalidError, storedEvaluation } from './sweep-evaluation.js';
export type { JobScoring, SweepEvaluation } from './sweep-evaluation.js';
export { ConfigReader, configProblemOf, isDict, positiveInt, sortedJson, valueAt, type ConfigProblem } from './config-reader.js';
export * from './storage/index.js';
