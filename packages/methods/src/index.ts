/**
 * @dgm-ood/methods — the OOD-method contract, its registry (routing by class path and model family), the
 * methods (one file each) and the one generic `ood` job handler.
 */
export type { AnyOodMethod, CalibrationContext, OodMethod, ScoredPoint } from './contract.js';
export { MethodRegistry } from './registry.js';
export { UNAVAILABLE_METHODS } from './unavailable-methods.js';
export { likelihoodMethod } from './likelihood.js';
export { lidMethod, type LidCalibration, type LidEstimator, type LidPlan } from './lid.js';
export { diffusionLidMethod, type DiffusionLidCalibration, type DiffusionLidEstimator, type DiffusionLidPlan } from './diffusion-lid.js';
export { diffusionScoreNormMethod, type ScoreNormPlan } from './diffusion-score-norm.js';
export { isOodConfig, readModelSource, readOodPlan, type ModelSource, type OodPlan } from './ood-plan.js';
export { checkOodConfig, createOodHandler, type CheckedOodConfig } from './ood-handler.js';
