import { ConfigReader, DeterministicJobError, isDict, positiveInt, valueAt, type JsonValue } from '@dgm-ood/jobs';

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
  dataset: string;
  split: 'train' | 'valid' | 'test';
  /** For dgm-generated: samples of the referenced model. */
  generated: { seed: number; length: number; modelPath: string } | null;
  /** Points scored: the first N of the split, in order. */
  points: number;
  /** Save progress (and write it as an artifact) every N scored points. */
  checkpointEvery: number;
}

/** The model an OOD job scores with: a `{sweep, job}` reference resolved by the worker, or a checkpoint folder. */
export type ModelSource = { reference: true } | { directory: string };

function batchSize(r: ConfigReader, side: string, split: string): number {
  const args = `data.${side}.dataloader_args`;
  const all = r.get(`${args}.batch_size`);
  if (typeof all === 'number') return all;
  return r.number(`${args}.${split}_batch_size`, 128, positiveInt, 'a positive integer');
}

/** `base_model`: where the model comes from. A reference PyTorch checkpoint is refused with the reason. */
export function readModelSource(config: JsonValue): ModelSource {
  const baseModel = valueAt(config, 'base_model');
  if (isDict(baseModel) && typeof baseModel.sweep === 'string' && baseModel.job !== undefined) return { reference: true };
  if (isDict(baseModel) && typeof baseModel.directory === 'string') return { directory: baseModel.directory };
  if (isDict(baseModel) && typeof baseModel.checkpoint_dir === 'string') {
    throw new DeterministicJobError(
      `config base_model.checkpoint_dir: ${baseModel.checkpoint_dir} is a PyTorch checkpoint of the reference project; importing those is not supported yet — reference a dgm-ood training job as base_model: {sweep: <name or id>, job: <index or run name>}`,
    );
  }
  throw new DeterministicJobError('config base_model: expected a model reference {sweep: <name or id>, job: <index>} or {directory: <checkpoint folder>}');
}

export function readOodPlan(config: JsonValue): OodPlan {
  if (!isDict(config)) throw new DeterministicJobError('config: an OOD config is a mapping with base_model, data and ood');
  const r = new ConfigReader(config);
  const classPath = r.requiredString('ood.method', 'ood.intrinsic_dimension.LID_OOD');
  const seed = r.requiredNumber('ood.seed', Number.isInteger, 'an integer seed (the reference requires it)');
  const checkpoint = r.oneOf('base_model.checkpoint', ['best_valid', 'latest'] as const, 'best_valid');
  const inDistribution = r.requiredString('data.in_distribution.dataloader_args.dataset', 'fashion-mnist');
  const dataset = r.requiredString('data.out_of_distribution.dataloader_args.dataset', 'mnist');
  const split = r.oneOf('data.out_of_distribution.pick_loader', ['train', 'valid', 'test'] as const, 'test');

  let generated: OodPlan['generated'] = null;
  if (dataset === 'dgm-generated') {
    const args = 'data.out_of_distribution.dataloader_args.dgm_args';
    const loading = r.get(`${args}.model_loading_config`);
    if (!(isDict(loading) && typeof loading.sweep === 'string')) r.fail(`${args}.model_loading_config`, 'expected a model reference {sweep, job}');
    generated = {
      seed: r.number(`${args}.seed`, 10, Number.isInteger, 'an integer'),
      length: r.number(`${args}.length`, 1000, positiveInt, 'a positive integer'),
      modelPath: `${args}.model_loading_config`,
    };
  }

  const pickCount = r.number('ood.pick_count', 1, positiveInt, 'a positive integer');
  const explicitPoints = r.number('ood.points', null, positiveInt, 'a positive integer');
  const points = explicitPoints ?? (r.get('ood.use_dataloader') === true ? pickCount * batchSize(r, 'out_of_distribution', split) : pickCount);
  return {
    classPath,
    seed,
    checkpoint,
    inDistribution,
    dataset,
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
