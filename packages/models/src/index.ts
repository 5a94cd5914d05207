/**
 * @dgm-ood/models — the model-family contract (ModelFamily, TrainingObjective, capabilities), the registry,
 * checkpoints that name their family, and loadModel(dir) that picks the family from the checkpoint.
 */
export type {
  AnyModelFamily,
  CapabilityName,
  FlipdSettings,
  AverageLossSettings,
  DegradeDenoiseSettings,
  NormalBundleSettings,
  JsonValue,
  LoadedModel,
  ModelCapabilities,
  ModelFamily,
  ModelStateValue,
  ObjectivePass,
  ReadSpecOptions,
  TrainableModel,
  TrainingObjective,
  TestEvaluation,
} from './contract.js';
export { ModelError, type ModelErrorCode } from './errors.js';
export { FamilyRegistry } from './registry.js';
export {
  CHECKPOINT_FORMAT,
  LEGACY_FLOW_CHECKPOINT_FORMAT,
  readCheckpoint,
  removeOldBlobs,
  restoreModel,
  saveCheckpoint,
  tensorsWithPrefix,
  type CheckpointManifest,
  type LoadedCheckpoint,
  type SaveCheckpointInput,
  type SavedCheckpoint,
  type TensorEntry,
  type WeightsKind,
} from './checkpoint.js';
export { loadModel, restoreFromCheckpoint, type LoadModelOptions } from './load-model.js';
export { importTorchModel, parseRunConfig, readRunConfig, sha256OfFile, type ImportedModel, type TorchModelFiles } from './import-torch-model.js';
