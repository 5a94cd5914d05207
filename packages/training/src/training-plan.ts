import { DATASET_NAMES, DEFAULT_VALID_FRACTION, isDatasetName, readDatasetArgs, type MedmnistSubclass } from '@dgm-ood/data';
import { ConfigReader, DeterministicJobError, isDict, positiveInt, type JsonValue } from '@dgm-ood/jobs';

/**
 * What a `train` job's concrete config asks for, read from the reference project's training-config shape
 * (data / model / trainer) plus a few keys of ours (marked). The model section is read by its family. Every
 * problem is a deterministic job failure naming the config path.
 */
export interface TrainingPlan {
  dataset: string;
  batchSize: number;
  validBatchSize: number;
  testBatchSize: number;
  validFraction: number;
  /** Use only the first N training images (upstream `training_limit`). */
  trainingLimit: number | null;
  /** Ours: use only the first N validation images (`data.valid_limit`). */
  validLimit: number | null;
  /** Resize (upstream `additional_dataset_args.resize_image`). */
  size: [number, number] | null;
  /** medmnist only (upstream `additional_dataset_args.subclass` / `align`, align defaulting to true). */
  medmnist: { subclass: MedmnistSubclass; align: boolean } | null;
  model: JsonValue;
  lr: number;
  weightDecay: number;
  lrGamma: number | null;
  maxEpochs: number;
  patience: number | null;
  maxGradNorm: number | null;
  sampleEveryEpochs: number;
  /** Ours: stop training after this much training time (all attempts together), then evaluate. */
  maxMinutes: number | null;
  /** Ours: also checkpoint every N steps (besides each epoch end). */
  checkpointEverySteps: number;
  /** Ours: test points for the final test metric (default: the whole test split). */
  testPoints: number | null;
  /** Ours: EMA of the weights with this decay (`trainer.ema_decay`); null = off, as in the reference. */
  emaDecay: number | null;
  /** Ours: accumulate gradients over micro-batches of this size (`trainer.micro_batch_size`). */
  microBatchSize: number | null;
  /** Ours: report progress every N steps (`trainer.progress_every_steps`, default 10). */
  progressEverySteps: number;
  seed: number;
  /**
   * `trainer.test_evaluation` (ours): a costlier test evaluation after training on the first `points` test images
   * (default 500) in batches of `batchSize` (default 50); `settings` holds the family's own keys.
   */
  testEvaluation: { points: number; batchSize: number; settings: { [key: string]: JsonValue } } | null;
}

/** The largest batch a training config may ask for (as an OOD plan's): a batch of 2^53 − 1 is a worker out of memory. */
export const MAX_TRAINING_BATCH = 65_536;
const BATCH = `a positive integer up to ${MAX_TRAINING_BATCH}`;
const batchSize = (n: number) => positiveInt(n) && n <= MAX_TRAINING_BATCH;

export function readTrainingPlan(config: JsonValue): TrainingPlan {
  if (!isDict(config)) throw new DeterministicJobError('config: a training config is a mapping with data, model and trainer');
  const r = new ConfigReader(config);
  const dataset = r.requiredString('data.dataset', 'fashion-mnist');
  // Refused here rather than by the data loader hours later, on a worker.
  if (!isDatasetName(dataset)) {
    r.fail('data.dataset', `dataset "${dataset}" is not available: no reader of ours has this name (available: ${DATASET_NAMES.join(', ')})`);
  }
  if (!isDict(r.get('model'))) r.fail('model', 'missing (a class_path/init_args section or {preset: name})');
  const int = (key: string, fallback: number) => r.number(key, fallback, positiveInt, 'a positive integer');
  const batch = (key: string, fallback: number) => r.number(key, fallback, batchSize, BATCH);
  const all = r.number('data.batch_size', null, batchSize, BATCH);
  const trainBatch = all ?? batch('data.train_batch_size', 128);
  const readArgs = readDatasetArgs(r.get('data.additional_dataset_args'), dataset, 'data.additional_dataset_args');
  const datasetArgs = 'args' in readArgs ? readArgs : r.fail(readArgs.path, readArgs.message);
  const scheduler = r.string('trainer.optimizer.lr_scheduler.class_path');
  if (scheduler !== undefined && !/ExponentialLR$/.test(scheduler)) {
    r.fail('trainer.optimizer.lr_scheduler.class_path', `only ExponentialLR is supported (got ${scheduler})`);
  }
  const optimizer = r.string('trainer.optimizer.class_path');
  if (optimizer !== undefined && !/(AdamW|Adam)$/.test(optimizer)) r.fail('trainer.optimizer.class_path', `only Adam/AdamW are supported (got ${optimizer})`);
  const makeValid = r.get('data.make_valid_loader');
  return {
    dataset,
    batchSize: trainBatch,
    validBatchSize: all ?? batch('data.valid_batch_size', trainBatch),
    testBatchSize: all ?? batch('data.test_batch_size', trainBatch),
    validFraction: makeValid === false ? 0 : DEFAULT_VALID_FRACTION,
    trainingLimit: r.number('data.training_limit', null, positiveInt, 'a positive integer'),
    validLimit: r.number('data.valid_limit', null, positiveInt, 'a positive integer'),
    size: datasetArgs.args.size,
    medmnist: datasetArgs.args.medmnist as TrainingPlan['medmnist'],
    model: r.get('model')!,
    lr: r.number('trainer.optimizer.init_args.lr', 1e-3, (n) => n > 0, 'a positive number'),
    // torch.optim.AdamW's default decay; plain Adam has none.
    weightDecay: r.number('trainer.optimizer.init_args.weight_decay', optimizer !== undefined && /\.Adam$/.test(optimizer) ? 0 : 0.01, (n) => n >= 0, 'a non-negative number'),
    lrGamma: r.number('trainer.optimizer.lr_scheduler.init_args.gamma', null, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    maxEpochs: int('trainer.max_epochs', 100),
    patience:
      r.get('trainer.early_stopping_metric') === undefined || makeValid === false
        ? null
        : r.number('trainer.max_bad_valid_epochs', null, positiveInt, 'a positive integer'),
    maxGradNorm: r.number('trainer.max_grad_norm', null, (n) => n > 0, 'a positive number'),
    sampleEveryEpochs: r.number('trainer.sample_freq', 1, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer'),
    maxMinutes: r.number('trainer.max_minutes', null, (n) => n > 0, 'a positive number'),
    checkpointEverySteps: int('trainer.checkpoint_every_steps', 200),
    testPoints: r.number('trainer.test_points', null, positiveInt, 'a positive integer'),
    emaDecay: r.number('trainer.ema_decay', null, (n) => n > 0 && n < 1, 'in (0, 1)'),
    microBatchSize: r.number('trainer.micro_batch_size', null, batchSize, BATCH),
    progressEverySteps: int('trainer.progress_every_steps', 10),
    seed: r.number('trainer.seed', 0, Number.isInteger, 'an integer'),
    testEvaluation: readTestEvaluationKeys(r),
  };
}

function readTestEvaluationKeys(r: ConfigReader): TrainingPlan['testEvaluation'] {
  const value = r.get('trainer.test_evaluation');
  if (value === undefined || value === null || value === false) return null;
  if (value !== true && !isDict(value)) r.fail('trainer.test_evaluation', `must be a mapping of settings or true (got ${JSON.stringify(value)})`);
  const { points: _p, batch_size: _b, ...settings } = isDict(value) ? value : {};
  return {
    points: r.number('trainer.test_evaluation.points', 500, positiveInt, 'a positive integer'),
    batchSize: r.number('trainer.test_evaluation.batch_size', 50, batchSize, BATCH),
    settings,
  };
}
