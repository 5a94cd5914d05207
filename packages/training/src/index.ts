export { isFlowModel, readTrainingPlan } from './training-plan.js';
export type { TrainingPlan } from './training-plan.js';
export { flowTrainHandler, handlers } from './handlers.js';
