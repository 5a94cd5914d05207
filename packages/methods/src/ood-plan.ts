import { isAbsolute } from 'node:path';
import { DATASET_NAMES, isDatasetName, readDatasetArgs, type DatasetArgs } from '@dgm-ood/data';
import { ConfigReader, DeterministicJobError, isDict, positiveInt, valueAt, type JsonValue } from '@dgm-ood/jobs';

/** Bounds on what one job may be asked to do (far above any dataset here: CelebA has 202,599 images). */
export const MAX_POINTS = 1_000_000;
export const MAX_GENERATED = 200_000;
export const MAX_BATCH = 65_536;
const upTo = (max: number) => (n: number) => positiveInt(n) && n <= max;

/**
 * What an `ood` job's concrete config asks for, whatever the method: read from the reference project's OOD
 * config shape (base_model, data.in_distribution / data.out_of_distribution with dataloader_args and
 * pick_loader, ood.method / pick_count / seed) plus a few keys of ours (marked). The method's own arguments
 * (`ood.method_args`) are read by the method.
 */
export interface OodPlan {
  /** `ood.method`: a reference class path or one of our short names. */
  classPath: string;
  seed: number;
  /** Which checkpoint of the model (ours; default best_valid, falling back to latest). */
  checkpoint: 'best_valid' | 'latest';
  inDistribution: string;
  /** `additional_dataset_args` of the in-distribution data (its training points calibrate some methods). */
  inDistributionArgs: DatasetArgs;
  dataset: string;
  /** `additional_dataset_args` of the scored data (resize_image; MedMNIST subclass and align). */
  datasetArgs: DatasetArgs;
  split: 'train' | 'valid' | 'test';
  /**
   * For dgm-generated: samples of the model at `modelPath` (a `{sweep, job}` reference the worker resolves, or a
   * PyTorch checkpoint, `torch`).
   */
  generated: { seed: number; length: number; modelPath: string; torch: TorchSource | null; samplingSteps: number | null } | null;
  /** Points scored: the first N of the split, in order. */
  points: number;
  /** Save progress (and write it as an artifact) every N scored points. */
  checkpointEvery: number;
}

/**
 * The model an OOD job scores with: a `{sweep, job}` reference resolved by the worker, a checkpoint folder, or a
 * reference PyTorch checkpoint (`checkpoint_dir`, with `config_dir` or an inline `model` section; both relative to
 * the worker's MODEL_DIR unless absolute, as in the reference project).
 */
export type ModelSource = { reference: true } | { directory: string } | { torch: TorchSource };

/** A reference PyTorch checkpoint and where its model section comes from (paths relative to MODEL_DIR). */
export interface TorchSource {
  checkpoint: string;
  config: string | null;
  model: JsonValue | null;
}

/** A path with a `..` segment: never needed to name a file under MODEL_DIR, and the way out of it. */
const escapesUpward = (p: string) => p.split(/[\\/]+/).includes('..');

/** `{checkpoint_dir, config_dir | model}` at `path` of the config, as the reference's OOD configs name models. */
function readTorchSource(value: Record<string, JsonValue>, path: string): TorchSource {
  const checkpoint = value.checkpoint_dir;
  if (typeof checkpoint !== 'string' || checkpoint === '') {
    throw new DeterministicJobError(`config ${path}.checkpoint_dir: expected the path of a PyTorch checkpoint (relative to MODEL_DIR), got ${JSON.stringify(checkpoint)}`);
  }
  const configDir = value.config_dir;
  if (configDir !== undefined && (typeof configDir !== 'string' || configDir === '')) {
    throw new DeterministicJobError(`config ${path}.config_dir: expected the path of the run's config file (relative to MODEL_DIR), got ${JSON.stringify(configDir)}`);
  }
  for (const [key, v] of [['checkpoint_dir', checkpoint], ['config_dir', configDir]] as const) {
    if (typeof v === 'string' && escapesUpward(v)) {
      throw new DeterministicJobError(`config ${path}.${key}: ${JSON.stringify(v)} climbs out with '..': model files are named inside MODEL_DIR`);
    }
  }
  const model = value.model;
  if (typeof configDir !== 'string' && !isDict(model)) {
    throw new DeterministicJobError(
      `config ${path}: the PyTorch checkpoint ${checkpoint} needs the run's config to build its model: config_dir (its run_config.json or YAML, relative to MODEL_DIR) or an inline model section`,
    );
  }
  return { checkpoint, config: typeof configDir === 'string' ? configDir : null, model: typeof configDir === 'string' ? null : (model as JsonValue) };
}

function batchSize(r: ConfigReader, side: string, split: string): number {
  const args = `data.${side}.dataloader_args`;
  const all = r.get(`${args}.batch_size`);
  if (typeof all === 'number') return r.number(`${args}.batch_size`, 128, upTo(MAX_BATCH), `a positive integer up to ${MAX_BATCH}`);
  return r.number(`${args}.${split}_batch_size`, 128, upTo(MAX_BATCH), `a positive integer up to ${MAX_BATCH}`);
}

/** `base_model`: where the model comes from. */
export function readModelSource(config: JsonValue): ModelSource {
  return readModelSourceAt(config, 'base_model');
}

/** A model named at a dotted `path` of the config (`base_model`, or a method's second model), in any of the three forms. */
export function readModelSourceAt(config: JsonValue, path: string): ModelSource {
  const value = valueAt(config, path);
  if (isDict(value) && typeof value.sweep === 'string' && value.job !== undefined) return { reference: true };
  if (isDict(value) && typeof value.directory === 'string') {
    const directory = value.directory;
    if (directory === '' || isAbsolute(directory) || escapesUpward(directory)) {
      throw new DeterministicJobError(
        `config ${path}.directory: ${JSON.stringify(directory)} must be a model's working directory relative to MODEL_DIR (no absolute path, no '..')`,
      );
    }
    return { directory };
  }
  if (isDict(value) && 'checkpoint_dir' in value) return { torch: readTorchSource(value, path) };
  throw new DeterministicJobError(
    `config ${path}: expected a model reference {sweep: <name or id>, job: <index>}, {directory: <checkpoint folder>} or a PyTorch checkpoint {checkpoint_dir, config_dir}`,
  );
}

/**
 * Methods whose reference sweeps count `pick_count` in batches without setting `use_dataloader` ("128 batches →
 * 1024 datapoints" at batch size 8; the reference then scored only the first batch): scored as intended.
 */
const PICK_COUNT_IN_BATCHES = new Set(['ood.baselines.CompelxityBased', 'ood.baselines.ComplexityBased', 'ood.baselines.LikelihoodRatio']);

export function readOodPlan(config: JsonValue): OodPlan {
  if (!isDict(config)) throw new DeterministicJobError('config: an OOD config is a mapping with base_model, data and ood');
  const r = new ConfigReader(config);
  const classPath = r.requiredString('ood.method', 'ood.intrinsic_dimension.LID_OOD');
  const seed = r.requiredNumber('ood.seed', Number.isInteger, 'an integer seed (the reference requires it)');
  const checkpoint = r.oneOf('base_model.checkpoint', ['best_valid', 'latest'] as const, 'best_valid');
  const inDistribution = r.requiredString('data.in_distribution.dataloader_args.dataset', 'fashion-mnist');
  const dataset = r.requiredString('data.out_of_distribution.dataloader_args.dataset', 'mnist');
  const split = r.oneOf('data.out_of_distribution.pick_loader', ['train', 'valid', 'test'] as const, 'test');
  // A dataset is a name of one of our readers (each reads only under DATA_DIR), never a path: refused here
  // rather than by the data loader on a worker.
  for (const [side, name] of [['in_distribution', inDistribution], ['out_of_distribution', dataset]] as const) {
    if (!isDatasetName(name)) {
      r.fail(`data.${side}.dataloader_args.dataset`, `dataset ${JSON.stringify(name)} is not available: no reader of ours has this name (available: ${DATASET_NAMES.join(', ')})`);
    }
  }
  const argsOf = (side: string, name: string): DatasetArgs => {
    const path = `data.${side}.dataloader_args.additional_dataset_args`;
    const read = readDatasetArgs(r.get(path), name, path);
    return 'args' in read ? read.args : r.fail(read.path, read.message);
  };
  const inDistributionArgs = argsOf('in_distribution', inDistribution);
  const datasetArgs = argsOf('out_of_distribution', dataset);

  let generated: OodPlan['generated'] = null;
  if (dataset === 'dgm-generated') {
    const args = 'data.out_of_distribution.dataloader_args.dgm_args';
    const loading = r.get(`${args}.model_loading_config`);
    const torch = isDict(loading) && 'checkpoint_dir' in loading ? readTorchSource(loading, `${args}.model_loading_config`) : null;
    if (!torch && !(isDict(loading) && typeof loading.sweep === 'string')) {
      r.fail(`${args}.model_loading_config`, 'expected a model reference {sweep, job} or a PyTorch checkpoint {checkpoint_dir, config_dir}');
    }
    generated = {
      seed: r.number(`${args}.seed`, 10, Number.isInteger, 'an integer'),
      length: r.number(`${args}.length`, 1000, upTo(MAX_GENERATED), `a positive integer up to ${MAX_GENERATED}`),
      modelPath: `${args}.model_loading_config`,
      torch,
      // Ours: a diffusion model's reverse-SDE steps for these samples (default: its sampler's 1000).
      samplingSteps: r.number(`${args}.sampling_steps`, null, positiveInt, 'a positive integer'),
    };
  }

  const pickCount = r.number('ood.pick_count', 1, upTo(MAX_POINTS), `a positive integer up to ${MAX_POINTS}`);
  const explicitPoints = r.number('ood.points', null, upTo(MAX_POINTS), `a positive integer up to ${MAX_POINTS}`);
  const byBatches = r.get('ood.use_dataloader') === true || PICK_COUNT_IN_BATCHES.has(classPath);
  const points = explicitPoints ?? (byBatches ? pickCount * batchSize(r, 'out_of_distribution', split) : pickCount);
  if (points > MAX_POINTS) r.fail('ood.pick_count', `${pickCount} batches of ${points / pickCount} are ${points} points, more than ${MAX_POINTS} per job`);
  return {
    classPath,
    seed,
    checkpoint,
    inDistribution,
    inDistributionArgs,
    dataset,
    datasetArgs,
    split,
    generated,
    points,
    checkpointEvery: r.number('ood.method_args.checkpointing_buffer', 2, positiveInt, 'a positive integer') * batchSize(r, 'out_of_distribution', split),
  };
}

/** Whether a config has the shape of an OOD job (a method and a base model), whatever the method. */
export function isOodConfig(config: JsonValue): boolean {
  return isDict(config) && isDict(config.ood) && typeof config.ood.method === 'string' && 'base_model' in config;
}

/** The batch size the reference's LID calibration buffer counts in (`training_buffer_size` batches of it). */
export function inDistributionTrainBatchSize(config: JsonValue): number {
  return batchSize(new ConfigReader(config), 'in_distribution', 'train');
}
