/**
 * @dgm-ood/training — the generic trainer (any model family: AdamW, ExponentialLR, clipping, micro-batching,
 * EMA, validation, early stopping, exact resume) and the one `train` job handler.
 */
export { train, trainerState, type CheckpointEvent, type EpochSummary, type TrainingProgressState, type TrainOptions, type TrainProgress, type TrainResult, type TrainerCheckpointState } from './trainer.js';
export { batchTensor, type BatchSource, type HostImageBatch, type ImageBatch } from './batches.js';
export { AdamW, DEFAULT_ADAMW, type AdamWConfig, type AdamWState } from './optim/adamw.js';
export { ExponentialEpochSchedule, type EpochScheduleState } from './optim/lr-schedule.js';
export { clipGradNorm } from './optim/clip-grad-norm.js';
export { WeightEma } from './optim/ema.js';
export { TrainingError, type TrainingErrorCode } from './errors.js';
export { imageGrid, type ImageGrid } from './image-grid.js';
export { readTrainingPlan, type TrainingPlan } from './training-plan.js';
export { checkTrainingConfig, createImportHandler, createTrainHandler, isImportConfig } from './train-handler.js';
export { jobFraction } from './run-training.js';
export { writeSampleGrid } from './sample-grid-png.js';
