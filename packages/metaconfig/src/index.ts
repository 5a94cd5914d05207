/** @dgm-ood/metaconfig — expansion of dysweep meta-configurations into deterministic job lists. */
export type {
  ExpandedJob,
  ExpandOptions,
  ExpansionResult,
  JsonValue,
  MetaConfigIssue,
  SweepInfo,
  SweepParameterInfo,
} from './types.js';
export {
  DEFAULT_MAX_JOBS,
  LIMIT_ISSUE_CODES,
  MAX_TOTAL_CONFIG_BYTES,
  countMetaConfigJobs,
  expandMetaConfig,
  inferJobKindFromSource,
  materialiseJob,
  prepareMetaConfig,
  type PreparedSweep,
} from './expand.js';
export { DOCUMENT_PATH } from './issues.js';
export { DEFAULT_EXPANSION_STEPS, deadlineIn, type Deadline } from './expansion-budget.js';
export { DEFAULT_RUN_NAME_CHANGER, inferJobKind, inferJobKindFromPath, type JobKind } from './job-kind.js';
export { canonicalJson, compareCodePoints, pyFloatRepr, toJsonValue, fromJsonValue } from './canonical-json.js';
export { RESERVED_WORDS, findReservedWord } from './reserved-words.js';
export { RUN_NAME_WORDS, runWordFor } from './run-name.js';
export { RUN_NAME_FALLBACK, genericRunName } from './generic-run-name.js';
export { PyFloat } from './value.js';
