import { isAbsolute, resolve } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { DeterministicJobError, isDict, positiveInt, valueAt, type ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import { loadSetting } from '@dgm-ood/config/env';
import type { ScoreSchema } from '@dgm-ood/evaluation';
import type { LoadedModel } from '@dgm-ood/models';
import type { OodMethod } from './contract.js';
import { meanSquaredError, ssimDistance } from './reconstruction/image-distances.js';
import { calibrationCurves } from './scale-calibration.js';

const METRICS = ['l2', 'ssim', 'lpips'] as const;
type Metric = (typeof METRICS)[number];

/** Where the LPIPS weights come from: files named in the config, or the deployment's LPIPS_* settings. */
type LpipsSource = { alexnet: string; lin: string } | { lpips: string } | 'deployment';

export interface ReconstructionPlan {
  levels: number;
  gamma: number;
  steps: number;
  metrics: Metric[];
  /** In-distribution training images that calibrate each (level, metric)'s mean and std. */
  calibrationPoints: number;
  lpips: { source: LpipsSource; input: 'minus-one-to-one' | 'raw-0-255' } | null;
}

/** Per (level, metric): mean and standard deviation (unbiased, + 10⁻⁶) over the calibration images. */
export interface ReconstructionCalibration {
  [key: string]: JsonValue;
  mean: number[][];
  std: number[][];
  points: number;
}

const RECONSTRUCTION_STREAM = 1;
const CALIBRATION_OFFSET = 7_000_003;
const LPIPS_SETTINGS = ['LPIPS_ALEXNET_WEIGHTS', 'LPIPS_LIN_WEIGHTS'] as const;

/**
 * Reconstruction-based OOD (Graham et al. 2023; the reference's `ood.reconstruction.DegradeDenoise`): each point is
 * noised along one Brownian path to N levels and denoised from each (docs/diffusion.md §12); each reconstruction's
 * distance to the point under each metric is z-scored against in-distribution training images at the same level;
 * the score is −(mean z) (high = in distribution), with one such score per metric beside the overall one.
 *
 * method_args (the reference's keys): `num_time_steps` N (100), `steps` per level (10), `gamma` (1),
 * `methods_to_include` (l2, lpips; ssim is ours), `validation_size` batches of the in-distribution training loader
 * as calibration images (1 batch of its train_batch_size; ours: `calibration_points` wins). LPIPS needs AlexNet
 * weights no registry ships: `lpips_weights: {alexnet, lin}` (torchvision's alexnet-owt-7be5be79.pth and lpips'
 * weights/v0.1/alex.pth) or `{lpips}` (a saved lpips.LPIPS state dict), relative to MODEL_DIR, or the deployment's
 * LPIPS_ALEXNET_WEIGHTS and LPIPS_LIN_WEIGHTS; images go to LPIPS in [−1, 1] (`lpips_input: raw` feeds [0, 255]
 * as the reference did).
 */
export const reconstructionMethod: OodMethod<ReconstructionPlan, ReconstructionCalibration> = {
  id: 'reconstruction',
  classPaths: ['ood.reconstruction.DegradeDenoise', 'reconstruction'],
  requires: ['degradeDenoise'],
  readPlan: (args: ConfigReader) => {
    const metrics = readMetrics(args);
    const batch = trainBatchSize(args);
    const calibrationPoints =
      args.number('calibration_points', null, positiveInt, 'a positive integer') ?? args.number('validation_size', 1, positiveInt, 'a positive integer') * batch;
    return {
      levels: args.number('num_time_steps', 100, (n) => positiveInt(n) && n <= 1000, 'an integer in [1, 1000]'),
      gamma: args.number('gamma', 1, (n) => n > 0, 'a positive number'),
      steps: args.number('steps', 10, (n) => Number.isInteger(n) && n >= 2, 'an integer ≥ 2'),
      metrics,
      calibrationPoints,
      lpips: metrics.includes('lpips') ? { source: readLpipsSource(args), input: args.oneOf('lpips_input', ['minus-one-to-one', 'raw'] as const, 'minus-one-to-one') === 'raw' ? 'raw-0-255' : 'minus-one-to-one' } : null,
    };
  },
  scores: (plan): ScoreSchema => ({
    scores: [
      { name: 'reconstruction', label: `−mean z over ${plan.levels} levels × ${plan.metrics.join(', ')}`, direction: 'higher-is-in-distribution' },
      ...plan.metrics.map((m) => ({ name: `reconstruction_${m}`, label: `−mean z of ${m} over ${plan.levels} levels`, direction: 'higher-is-in-distribution' as const })),
    ],
    combinations: [],
  }),
  calibration: {
    key: (plan, inDistribution) => [inDistribution, plan.levels, plan.gamma, plan.steps, plan.metrics, plan.calibrationPoints, plan.lpips as unknown as JsonValue],
    async run(model, plan, ctx) {
      const train = await ctx.trainingData();
      const values = await calibrationCurves(train, plan.calibrationPoints, ctx, (i) => ctx.seed * 1_000_003 + CALIBRATION_OFFSET + i, (image, seed) => distances(model, image, seed, plan), 'reconstructions');
      if (values.length < 2) throw new DeterministicJobError(`reconstruction: calibration needs at least 2 in-distribution training images (got ${values.length})`);
      return summarise(values, plan);
    },
    describe: (c) => `${c.points} calibration images`,
  },
  async score(model, point, plan, calibration) {
    if (!calibration) throw new DeterministicJobError('reconstruction: no calibration');
    const d = await distances(model, point.image, point.seed(RECONSTRUCTION_STREAM), plan);
    return zScores(d, calibration, plan.metrics);
  },
  summary: (plan, calibration) => ({ levels: plan.levels, gamma: plan.gamma, steps: plan.steps, metrics: plan.metrics, calibrationPoints: calibration?.points ?? 0, lpipsInput: plan.lpips?.input ?? null }),
};

/** The in-distribution train loader's batch size, which the reference's `validation_size` counts in. */
function trainBatchSize(args: ConfigReader): number {
  const loader = 'data.in_distribution.dataloader_args';
  const b = valueAt(args.root, `${loader}.train_batch_size`) ?? valueAt(args.root, `${loader}.batch_size`);
  return typeof b === 'number' && positiveInt(b) ? b : 128;
}

function readMetrics(args: ConfigReader): Metric[] {
  const v = args.get('methods_to_include');
  if (v === undefined) return ['l2', 'lpips'];
  if (!Array.isArray(v) || v.length === 0 || !v.every((m) => typeof m === 'string' && (METRICS as readonly string[]).includes(m))) {
    args.fail('methods_to_include', `must be a non-empty list of ${METRICS.join(', ')} (got ${JSON.stringify(v)})`);
  }
  return [...new Set(v as Metric[])];
}

function readLpipsSource(args: ConfigReader): LpipsSource {
  const v = args.get('lpips_weights');
  if (isDict(v) && typeof v.alexnet === 'string' && typeof v.lin === 'string' && Object.keys(v).length === 2) return { alexnet: v.alexnet, lin: v.lin };
  if (isDict(v) && typeof v.lpips === 'string' && Object.keys(v).length === 1) return { lpips: v.lpips };
  if (v !== undefined) args.fail('lpips_weights', `must be {alexnet: <file>, lin: <file>} or {lpips: <file>} (got ${JSON.stringify(v)})`);
  // The deployment may name them once for every job (the same settings the workers read).
  if (LPIPS_SETTINGS.every((name) => process.env[name])) return 'deployment';
  return args.fail(
    'lpips_weights',
    'lpips needs AlexNet weights, which no registry here ships: provide lpips_weights: {alexnet: <torchvision alexnet-owt-7be5be79.pth>, lin: <the lpips package\'s weights/v0.1/alex.pth>} or {lpips: <a saved lpips.LPIPS state dict>} (paths relative to MODEL_DIR), set LPIPS_ALEXNET_WEIGHTS and LPIPS_LIN_WEIGHTS for the deployment, or leave lpips out of methods_to_include',
  );
}

/** distances[level][metric] of one image's reconstructions. */
async function distances(model: LoadedModel, image: tf.Tensor4D, seed: number, plan: ReconstructionPlan): Promise<number[][]> {
  const recon = await model.capabilities.degradeDenoise!(image, seed, { levels: plan.levels, gamma: plan.gamma, steps: plan.steps });
  try {
    const [, h, w, c] = image.shape;
    const x = await image.data();
    const r = await recon.data();
    const d = h * w * c;
    const lpips = plan.lpips ? await lpipsDistances(image, recon, plan.lpips) : null;
    return Array.from({ length: plan.levels }, (_, level) => {
      const ri = r.subarray(level * d, (level + 1) * d);
      return plan.metrics.map((m) => (m === 'l2' ? meanSquaredError(x, ri) : m === 'ssim' ? ssimDistance(x, ri, [h, w, c]) : lpips![level]!));
    });
  } finally {
    recon.dispose();
  }
}

let lpipsCache: { key: string; model: import('@dgm-ood/lpips').Lpips } | null = null;

/** LPIPS between the image and each reconstruction, on [−1, 1] (or raw, for parity). */
async function lpipsDistances(image: tf.Tensor4D, recon: tf.Tensor4D, settings: NonNullable<ReconstructionPlan['lpips']>): Promise<Float32Array> {
  const { loadLpips, resolveLpipsWeights } = await import('@dgm-ood/lpips');
  const tfm = await import('@tensorflow/tfjs');
  const modelDir = loadSetting('MODEL_DIR');
  const at = (p: string) => (isAbsolute(p) ? p : resolve(modelDir, p));
  const source = settings.source;
  let paths;
  try {
    paths = source === 'deployment' ? resolveLpipsWeights() : 'lpips' in source ? { lpips: at(source.lpips) } : { alexnet: at(source.alexnet), lin: at(source.lin) };
    const key = JSON.stringify(paths);
    if (lpipsCache?.key !== key) {
      lpipsCache?.model.dispose();
      lpipsCache = { key, model: await loadLpips(paths) };
    }
  } catch (error) {
    throw new DeterministicJobError(`config ood.method_args.lpips_weights: ${(error as Error).message}`);
  }
  const lpips = lpipsCache.model;
  const d = tfm.tidy(() => {
    const toInput = (t: tf.Tensor4D) => (settings.input === 'raw-0-255' ? t : (tfm.sub(tfm.div(t, 127.5), 1) as tf.Tensor4D));
    const x = tfm.tile(image, [recon.shape[0], 1, 1, 1]) as tf.Tensor4D;
    return lpips.distance(toInput(x), toInput(recon), { inputRange: settings.input });
  });
  const values = (await d.data()) as Float32Array;
  d.dispose();
  return values;
}

export function summarise(values: number[][][], plan: Pick<ReconstructionPlan, 'levels' | 'metrics'>): ReconstructionCalibration {
  const n = values.length;
  const mean = Array.from({ length: plan.levels }, (_, l) => plan.metrics.map((_, m) => values.reduce((s, v) => s + v[l]![m]!, 0) / n));
  const std = mean.map((row, l) => row.map((mu, m) => Math.sqrt(values.reduce((s, v) => s + (v[l]![m]! - mu) ** 2, 0) / (n - 1)) + 1e-6));
  return { mean, std, points: n };
}

/** −mean z over levels and metrics, and per metric. */
export function zScores(d: number[][], c: ReconstructionCalibration, metrics: readonly Metric[]): Record<string, number> {
  const perMetric = metrics.map((_, m) => d.reduce((s, row, l) => s + (row[m]! - c.mean[l]![m]!) / c.std[l]![m]!, 0) / d.length);
  const scores: Record<string, number> = { reconstruction: -perMetric.reduce((a, b) => a + b, 0) / metrics.length };
  metrics.forEach((m, k) => (scores[`reconstruction_${m}`] = -perMetric[k]!));
  return scores;
}
