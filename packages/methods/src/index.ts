export { isOodConfig, readOodPlan } from './ood-plan.js';
export type { LidEstimator, MethodName, OodPlan } from './ood-plan.js';
export { handlers, oodHandler } from './handlers.js';
