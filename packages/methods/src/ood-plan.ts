import { DeterministicJobError, type JsonValue } from '@dgm-ood/jobs';

/**
 * What an `ood` job's concrete config asks for, read from the reference project's OOD config shape
 * (base_model, data.in_distribution / data.out_of_distribution with dataloader_args and pick_loader,
 * ood.method / method_args / pick_count) plus a few keys of ours (marked).
 */
export type MethodName = 'likelihood' | 'lid';
/**
 * Only the exact estimator: no cheaper one met the bar of ≥ 4× lower cost per point with the dual-threshold AUC
 * within 0.02 of the exact one (bench/lid.bench.ts measures the candidates), so `fast` is rejected.
 */
export type LidEstimator = 'exact';

export interface OodPlan {
  method: MethodName;
  estimator: LidEstimator;
  seed: number;
  /** The model: a `{sweep, job}` reference resolved by the worker (path `base_model`), or a directory. */
  model: { reference: true } | { directory: string };
  /** Which checkpoint of the model (ours; default best_valid, falling back to latest). */
  checkpoint: 'best_valid' | 'latest';
  inDistribution: string;
  dataset: string;
  split: 'train' | 'valid' | 'test';
  /** For dgm-generated: samples of the referenced model. */
  generated: { seed: number; length: number; modelPath: string } | null;
  /** Points scored: the first N of the split, in order. */
  points: number;
  /** LID calibration: the first N points of the in-distribution training pool. */
  calibrationPoints: number;
  /** Target dimension of the calibration: a number, or `lpca` (computed from the training data). */
  target: number | 'lpca';
  lpcaPoints: number;
  scaleRange: [number, number];
  bisectionSteps: number;
  /** Save progress (and write it as an artifact) every N scored points. */
  checkpointEvery: number;
}

type Dict = { [key: string]: JsonValue };
const isDict = (v: JsonValue | undefined): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);
const at = (root: JsonValue, path: string): JsonValue | undefined => {
  let v: JsonValue | undefined = root;
  for (const key of path.split('.')) v = isDict(v) ? v[key] : undefined;
  return v;
};

const METHODS: Record<string, MethodName> = {
  'ood.intrinsic_dimension.LID_OOD': 'lid',
  lid: 'lid',
  'ood.likelihood.Likelihood': 'likelihood',
  likelihood: 'likelihood',
};

function num(config: JsonValue, path: string, fallback: number | undefined, check: (n: number) => boolean, what: string): number {
  const v = at(config, path);
  if (v === undefined || v === null) {
    if (fallback === undefined) throw new DeterministicJobError(`config ${path}: missing (${what})`);
    return fallback;
  }
  if (typeof v !== 'number' || !check(v)) throw new DeterministicJobError(`config ${path}: must be ${what} (got ${JSON.stringify(v)})`);
  return v;
}
const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

function batchSize(config: JsonValue, side: string, split: string): number {
  const args = `data.${side}.dataloader_args`;
  const all = at(config, `${args}.batch_size`);
  if (typeof all === 'number') return all;
  return num(config, `${args}.${split}_batch_size`, 128, positiveInt, 'a positive integer');
}

export function readOodPlan(config: JsonValue): OodPlan {
  if (!isDict(config)) throw new DeterministicJobError('config: an OOD config is a mapping with base_model, data and ood');
  const methodPath = at(config, 'ood.method');
  if (typeof methodPath !== 'string') throw new DeterministicJobError('config ood.method: missing (e.g. ood.intrinsic_dimension.LID_OOD)');
  const method = METHODS[methodPath];
  if (!method) {
    throw new DeterministicJobError(`config ood.method: ${methodPath} is not implemented (known: ${Object.keys(METHODS).join(', ')})`);
  }
  const seed = num(config, 'ood.seed', undefined, Number.isInteger, 'an integer seed (the reference requires it)');
  const baseModel = at(config, 'base_model');
  let model: OodPlan['model'];
  if (isDict(baseModel) && typeof baseModel.sweep === 'string' && baseModel.job !== undefined) model = { reference: true };
  else if (isDict(baseModel) && typeof baseModel.directory === 'string') model = { directory: baseModel.directory };
  else if (isDict(baseModel) && typeof baseModel.checkpoint_dir === 'string' && /\.pt$/.test(baseModel.checkpoint_dir)) {
    throw new DeterministicJobError(
      `config base_model.checkpoint_dir: ${baseModel.checkpoint_dir} is a PyTorch checkpoint of the reference project; importing those is not supported yet — reference a dgm-ood training job as {sweep, job}`,
    );
  } else throw new DeterministicJobError('config base_model: expected a model reference {sweep: <name or id>, job: <index>} or {directory: <checkpoint folder>}');
  const checkpoint = at(config, 'base_model.checkpoint') ?? 'best_valid';
  if (checkpoint !== 'best_valid' && checkpoint !== 'latest') throw new DeterministicJobError(`config base_model.checkpoint: best_valid or latest (got ${JSON.stringify(checkpoint)})`);

  const inDistribution = at(config, 'data.in_distribution.dataloader_args.dataset');
  if (typeof inDistribution !== 'string') throw new DeterministicJobError('config data.in_distribution.dataloader_args.dataset: missing');
  const dataset = at(config, 'data.out_of_distribution.dataloader_args.dataset');
  if (typeof dataset !== 'string') throw new DeterministicJobError('config data.out_of_distribution.dataloader_args.dataset: missing');
  const split = at(config, 'data.out_of_distribution.pick_loader') ?? 'test';
  if (split !== 'train' && split !== 'test' && split !== 'valid') throw new DeterministicJobError(`config data.out_of_distribution.pick_loader: train or test (got ${JSON.stringify(split)})`);

  let generated: OodPlan['generated'] = null;
  if (dataset === 'dgm-generated') {
    const args = 'data.out_of_distribution.dataloader_args.dgm_args';
    const loading = at(config, `${args}.model_loading_config`);
    if (!(isDict(loading) && typeof loading.sweep === 'string')) {
      throw new DeterministicJobError(`config ${args}.model_loading_config: expected a model reference {sweep, job}`);
    }
    generated = {
      seed: num(config, `${args}.seed`, 10, Number.isInteger, 'an integer'),
      length: num(config, `${args}.length`, 1000, positiveInt, 'a positive integer'),
      modelPath: `${args}.model_loading_config`,
    };
  }

  const explicitPoints = at(config, 'ood.points');
  const pickCount = num(config, 'ood.pick_count', 1, positiveInt, 'a positive integer');
  const points =
    typeof explicitPoints === 'number'
      ? num(config, 'ood.points', undefined, positiveInt, 'a positive integer')
      : at(config, 'ood.use_dataloader') === true
        ? pickCount * batchSize(config, 'out_of_distribution', split)
        : pickCount;

  const args = 'ood.method_args';
  const estimatorClass = at(config, `${args}.lid_calculator_class`);
  const explicitEstimator = at(config, `${args}.estimator`);
  const estimator = explicitEstimator ?? (typeof estimatorClass === 'string' && /Fast/.test(estimatorClass) ? 'fast' : 'exact');
  if (estimator === 'fast') {
    const where = explicitEstimator === undefined ? `${args}.lid_calculator_class (${String(estimatorClass)})` : `${args}.estimator`;
    throw new DeterministicJobError(
      `config ${where}: no fast LID estimator is available — none of the cheaper candidates stayed within 0.02 dual-threshold AUC of the exact estimator at ≥ 4× lower cost (see bench/lid.bench.ts); use estimator: exact`,
    );
  }
  if (estimator !== 'exact') throw new DeterministicJobError(`config ${args}.estimator: must be exact (got ${JSON.stringify(estimator)})`);
  const algorithm = at(config, `${args}.scale_selection_algorithm`) ?? 'given_from_model_free';
  if (method === 'lid' && algorithm !== 'given_from_model_free') {
    throw new DeterministicJobError(`config ${args}.scale_selection_algorithm: only given_from_model_free is supported (the reference's other modes are broken, see the design doc)`);
  }
  const sel = `${args}.scale_selection_algorithm_args`;
  const targetValue = at(config, `${sel}.model_free_dimension`) ?? 'lpca';
  if (targetValue !== 'lpca' && !(typeof targetValue === 'number' && targetValue > 0)) {
    throw new DeterministicJobError(`config ${sel}.model_free_dimension: a positive number or "lpca" (got ${JSON.stringify(targetValue)})`);
  }
  const bufferBatches = num(config, `${args}.training_buffer_size`, 16, positiveInt, 'a positive integer');
  return {
    method,
    estimator,
    seed,
    model,
    checkpoint,
    inDistribution,
    dataset,
    split,
    generated,
    points,
    calibrationPoints: typeof at(config, `${args}.calibration_points`) === 'number'
      ? num(config, `${args}.calibration_points`, undefined, positiveInt, 'a positive integer')
      : bufferBatches * batchSize(config, 'in_distribution', 'train'),
    target: targetValue as number | 'lpca',
    lpcaPoints: num(config, `${sel}.lpca_points`, 10_000, positiveInt, 'a positive integer'),
    scaleRange: [num(config, `${sel}.l_scale`, -100, Number.isFinite, 'a number'), num(config, `${sel}.r_scale`, 100, Number.isFinite, 'a number')],
    bisectionSteps: num(config, `${sel}.bin_search_steps`, 20, positiveInt, 'a positive integer'),
    checkpointEvery: num(config, `${args}.checkpointing_buffer`, 2, positiveInt, 'a positive integer') * batchSize(config, 'out_of_distribution', split),
  };
}

/** Whether an `ood` job config is for this package: the reference's shape with a known method. */
export function isOodConfig(config: JsonValue): boolean {
  return isDict(config) && isDict(config.ood) && typeof config.ood.method === 'string' && config.ood.method in METHODS && 'base_model' in config;
}
