import { DeterministicJobError, type JsonValue } from '@dgm-ood/jobs';

/**
 * What a `train` job's concrete config asks for, read from the reference project's training-config
 * shape (data / model / trainer, §3.1 of metaconfig.md) plus a few keys of ours (marked). Every problem
 * is a deterministic job failure naming the config path.
 */
export interface TrainingPlan {
  dataset: string;
  batchSize: number;
  validBatchSize: number;
  testBatchSize: number;
  validFraction: number;
  /** Use only the first N training images (upstream `training_limit`). */
  trainingLimit: number | null;
  /** Resize (upstream `additional_dataset_args.resize_image`). */
  size: [number, number] | null;
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
  /** Ours: test points for the final bits/dim (default: the whole test split). */
  testPoints: number | null;
  seed: number;
}

type Dict = { [key: string]: JsonValue };
const isDict = (v: JsonValue | undefined): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);

class Reader {
  constructor(private readonly root: Dict) {}
  get(path: string): JsonValue | undefined {
    let v: JsonValue | undefined = this.root;
    for (const key of path.split('.')) v = isDict(v) ? v[key] : undefined;
    return v;
  }
  number(path: string, fallback: number | null, check: (n: number) => boolean = () => true, what = 'a number'): number | null {
    const v = this.get(path);
    if (v === undefined || v === null || v === 'None') return fallback;
    if (typeof v !== 'number' || !check(v)) throw new DeterministicJobError(`config ${path}: must be ${what} (got ${JSON.stringify(v)})`);
    return v;
  }
  string(path: string): string | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new DeterministicJobError(`config ${path}: must be a string (got ${JSON.stringify(v)})`);
    return v;
  }
}

const positiveInt = (n: number) => Number.isInteger(n) && n > 0;

export function readTrainingPlan(config: JsonValue): TrainingPlan {
  if (!isDict(config)) throw new DeterministicJobError('config: a training config is a mapping with data, model and trainer');
  const r = new Reader(config);
  const dataset = r.string('data.dataset');
  if (!dataset) throw new DeterministicJobError('config data.dataset: missing (e.g. fashion-mnist)');
  if (!isDict(r.get('model'))) throw new DeterministicJobError('config model: missing (a class_path/init_args section or {preset: name})');
  const all = r.number('data.batch_size', null, positiveInt, 'a positive integer');
  const batchSize = all ?? r.number('data.train_batch_size', 128, positiveInt, 'a positive integer')!;
  const resize = r.get('data.additional_dataset_args.resize_image');
  if (resize !== undefined && !(Array.isArray(resize) && resize.length === 2 && resize.every((v) => typeof v === 'number' && positiveInt(v)))) {
    throw new DeterministicJobError(`config data.additional_dataset_args.resize_image: must be [height, width] (got ${JSON.stringify(resize)})`);
  }
  const scheduler = r.string('trainer.optimizer.lr_scheduler.class_path');
  if (scheduler !== undefined && !/ExponentialLR$/.test(scheduler)) {
    throw new DeterministicJobError(`config trainer.optimizer.lr_scheduler.class_path: only ExponentialLR is supported (got ${scheduler})`);
  }
  const optimizer = r.string('trainer.optimizer.class_path');
  if (optimizer !== undefined && !/(AdamW|Adam)$/.test(optimizer)) {
    throw new DeterministicJobError(`config trainer.optimizer.class_path: only Adam/AdamW are supported (got ${optimizer})`);
  }
  const early = r.get('trainer.early_stopping_metric');
  const makeValid = r.get('data.make_valid_loader');
  return {
    dataset,
    batchSize,
    validBatchSize: all ?? r.number('data.valid_batch_size', batchSize, positiveInt, 'a positive integer')!,
    testBatchSize: all ?? r.number('data.test_batch_size', batchSize, positiveInt, 'a positive integer')!,
    validFraction: makeValid === false ? 0 : 0.1,
    trainingLimit: r.number('data.training_limit', null, positiveInt, 'a positive integer'),
    size: resize === undefined ? null : (resize as [number, number]),
    model: r.get('model')!,
    lr: r.number('trainer.optimizer.init_args.lr', 1e-3, (n) => n > 0, 'a positive number')!,
    // torch.optim.AdamW's default decay; plain Adam has none.
    weightDecay: r.number('trainer.optimizer.init_args.weight_decay', optimizer !== undefined && /\.Adam$/.test(optimizer) ? 0 : 0.01, (n) => n >= 0)!,
    lrGamma: r.number('trainer.optimizer.lr_scheduler.init_args.gamma', null, (n) => n > 0 && n <= 1, 'in (0, 1]'),
    maxEpochs: r.number('trainer.max_epochs', 100, positiveInt, 'a positive integer')!,
    patience: early === undefined || early === null || early === 'None' || makeValid === false ? null : r.number('trainer.max_bad_valid_epochs', null, positiveInt, 'a positive integer'),
    maxGradNorm: r.number('trainer.max_grad_norm', null, (n) => n > 0, 'a positive number'),
    sampleEveryEpochs: r.number('trainer.sample_freq', 1, (n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')!,
    maxMinutes: r.number('trainer.max_minutes', null, (n) => n > 0, 'a positive number'),
    checkpointEverySteps: r.number('trainer.checkpoint_every_steps', 200, positiveInt, 'a positive integer')!,
    testPoints: r.number('trainer.test_points', null, positiveInt, 'a positive integer'),
    seed: r.number('trainer.seed', 0, Number.isInteger, 'an integer')!,
  };
}

/** Whether a config's model section is a normalizing flow this package trains. */
export function isFlowModel(model: JsonValue | undefined): boolean {
  if (!isDict(model)) return false;
  if (typeof model.class_path === 'string') return /NormalizingFlow$/.test(model.class_path);
  if (typeof model.preset === 'string') return /^(glow|rqnsf)-/.test(model.preset);
  return model.format === 'dgm-ood/flow-spec@1';
}
