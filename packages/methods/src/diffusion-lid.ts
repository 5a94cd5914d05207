import { ConfigReader, DeterministicJobError, positiveInt, type JsonValue } from '@dgm-ood/jobs';
import { calibrateScale, type LidAtScale } from '@dgm-ood/lid';
import type { FlipdSettings, LoadedModel } from '@dgm-ood/models';
import type { OodMethod } from './contract.js';
import { readDiffusionLikelihoodArgs } from './diffusion-likelihood-args.js';
import { LIKELIHOOD_STREAM } from './likelihood.js';
import { inDistributionTrainBatchSize } from './ood-plan.js';
import { calibrationCurves, modelFreeTarget } from './scale-calibration.js';

/**
 * LID of a diffusion model beside its PF-ODE likelihood, combined by a dual threshold (docs/diffusion.md §10):
 *   - `flipd` (default): FLIPD at t₀ — one network pass plus the trace of the score's Jacobian (exact, or k
 *     Hutchinson probes); its value is the LID, no scale to calibrate;
 *   - `normal_bundle` (the paper's, for parity: the reference's `lid.diffusions.NormalBundleLIDEstimator`): the
 *     singular values of the reverse drifts at 4·D noisy copies, counted below e^{−2·scale} with the scale
 *     calibrated so the in-distribution training points get the model-free (LPCA) dimension on average, by the
 *     same bisection as for flows, or a scale given outright (`fixed_scale`).
 */
export type DiffusionLidEstimator = 'flipd' | 'normal_bundle';

export interface DiffusionLidPlan {
  estimator: DiffusionLidEstimator;
  t0: number;
  /** FLIPD's trace. */
  trace: FlipdSettings['trace'];
  /** Normal bundle: noisy copies per point (null: 4 × the config's ambient_dim, else 4·D of the model). */
  numScores: number | null;
  chunk: number;
  /** The likelihood settings passed to the family (null: its defaults). */
  likelihood: JsonValue | null;
  /** Normal bundle: calibration target and bisection, or a fixed scale. */
  calibrationPoints: number;
  target: number | 'lpca';
  fixedScale: number | null;
  lpcaPoints: number;
  scaleRange: [number, number];
  bisectionSteps: number;
}

export interface DiffusionLidCalibration {
  target: { dimension: number; source: string } | null;
  scale: number | null;
  calibrationPoints: number;
  [key: string]: JsonValue;
}

const SPECTRUM_STREAM = 0;
const CALIBRATION_OFFSET = 500_000;

function estimatorOf(args: ConfigReader): DiffusionLidEstimator {
  const explicit = args.get('estimator');
  if (explicit !== undefined) {
    if (explicit !== 'flipd' && explicit !== 'normal_bundle') args.fail('estimator', `must be flipd or normal_bundle (got ${JSON.stringify(explicit)})`);
    return explicit;
  }
  const cls = args.get('lid_calculator_class');
  if (cls === undefined || cls === null) return 'flipd';
  if (typeof cls === 'string' && /NormalBundle/.test(cls)) return 'normal_bundle';
  if (typeof cls === 'string' && /(flipd|fokker_planck)/i.test(cls)) return 'flipd';
  return args.fail('lid_calculator_class', `${JSON.stringify(cls)} is not a diffusion LID estimator (lid.diffusions.NormalBundleLIDEstimator, or flipd)`);
}

function modelDimension(model: LoadedModel): number {
  return model.dataShape[0] * model.dataShape[1] * model.dataShape[2];
}

/** The normal-bundle spectrum of one image with the plan's settings. */
async function spectrumOf(model: LoadedModel, image: Parameters<NonNullable<LoadedModel['capabilities']['normalBundleSpectrum']>>[0], seed: number, plan: DiffusionLidPlan): Promise<Float64Array> {
  const numScores = plan.numScores ?? 4 * modelDimension(model);
  return model.capabilities.normalBundleSpectrum!(image, seed, { t0: plan.t0, numScores, chunk: plan.chunk });
}

function countBelow(spectrum: Float64Array, scale: number): number {
  const threshold = Math.exp(-2 * scale);
  let n = 0;
  for (const s of spectrum) if (s < threshold) n++;
  return n;
}

/**
 * The earlier snapshot's `DiffusionIntrinsicDimensionOODDetection` arguments (the VE and "fast" diffusion sweeps):
 * the normal bundle with `intrinsic_dimension_calculator_args: {num_samples, eps}` (copies and t₀), its scale given
 * as `evaluate_r` or, with `adaptive_measurement`, bisected on [−20, 20] for `bin_search_iteration_count` steps over
 * `adaptive_train_data_buffer_size` batches of training points to `given_mean_lid`; likelihood from `log_prob_kwargs`.
 */
function readOlderArguments(args: ConfigReader): DiffusionLidPlan | null {
  if (args.get('intrinsic_dimension_calculator_args') === undefined && args.get('adaptive_measurement') === undefined) return null;
  const calc = args.at('intrinsic_dimension_calculator_args');
  const adaptive = args.get('adaptive_measurement') ?? false;
  if (typeof adaptive !== 'boolean') args.fail('adaptive_measurement', `must be true or false (got ${JSON.stringify(adaptive)})`);
  return {
    estimator: 'normal_bundle',
    t0: calc.number('eps', 0.01, (n) => n > 0 && n < 1, 'in (0, 1)'),
    trace: { hutchinson: 4 },
    numScores: calc.number('num_samples', null, positiveInt, 'a positive integer'),
    chunk: calc.number('max_batch_size', 128, positiveInt, 'a positive integer'),
    likelihood: readDiffusionLikelihoodArgs(args, 'log_prob_kwargs'),
    calibrationPoints: adaptive ? args.number('adaptive_train_data_buffer_size', 1, positiveInt, 'a positive integer') * inDistributionTrainBatchSize(args.root) : 0,
    target: adaptive ? args.requiredNumber('given_mean_lid', (n) => n > 0, 'a positive mean LID to calibrate to') : 'lpca',
    fixedScale: adaptive ? null : args.number('evaluate_r', -20),
    lpcaPoints: 10_000,
    scaleRange: [-20, 20],
    bisectionSteps: args.number('bin_search_iteration_count', 20, positiveInt, 'a positive integer'),
  };
}

export const diffusionLidMethod: OodMethod<DiffusionLidPlan, DiffusionLidCalibration> = {
  id: 'diffusion-lid',
  classPaths: ['ood.intrinsic_dimension.LID_OOD', 'diffusion-lid', 'flipd'],
  olderClassPaths: {
    'ood.methods.intrinsic_dimension.diffusion_method.DiffusionIntrinsicDimensionOODDetection':
      "the earlier snapshot's diffusion LID detector: the normal-bundle LID (num_samples noisy copies at eps) beside the PF-ODE likelihood, at a given scale or one calibrated on training points to a mean LID",
  },
  requires: ['logLikelihood', 'flipd', 'normalBundleSpectrum'],
  readPlan(args: ConfigReader): DiffusionLidPlan {
    const older = readOlderArguments(args);
    if (older) return older;
    const estimator = estimatorOf(args);
    const lid = args.at('lid_calculator_args');
    const t0 = lid.number('noise_time', args.number('t0', 0.01, (n) => n > 0 && n < 1, 'in (0, 1)'), (n) => n > 0 && n < 1, 'in (0, 1)');
    const probes = lid.get('hutchinson_samples') ?? args.get('probes');
    const traceKey = lid.get('trace') ?? args.get('trace') ?? 'hutchinson';
    if (traceKey !== 'exact' && traceKey !== 'hutchinson') args.fail('trace', `must be exact or hutchinson (got ${JSON.stringify(traceKey)})`);
    const k = probes ?? 4;
    if (!(typeof k === 'number' && positiveInt(k))) args.fail('probes', `must be a positive integer (got ${JSON.stringify(k)})`);
    // The reference sizes the normal bundle from its config's ambient_dim (784 for 28×28 data the model sees at
    // 32×32: 3136 copies, not 4096); num_scores wins when given.
    const ambient = lid.number('ambient_dim', null, positiveInt, 'a positive integer');
    const numScores = lid.number('num_scores', null, positiveInt, 'a positive integer') ?? (ambient === null ? null : 4 * ambient);
    const sel = args.at('scale_selection_algorithm_args');
    const algorithm = args.get('scale_selection_algorithm') ?? 'given_from_model_free';
    const fixedScale = args.number('fixed_scale', null);
    if (estimator === 'normal_bundle' && fixedScale === null && algorithm !== 'given_from_model_free') {
      args.fail('scale_selection_algorithm', "only given_from_model_free is supported, or a fixed_scale (the reference's other modes are broken, see docs/reference-notes.md §3.2)");
    }
    const target = sel.get('model_free_dimension') ?? 'lpca';
    if (target !== 'lpca' && !(typeof target === 'number' && target > 0)) sel.fail('model_free_dimension', `a positive number or "lpca" (got ${JSON.stringify(target)})`);
    const bufferBatches = args.number('training_buffer_size', 1, positiveInt, 'a positive integer');
    return {
      estimator,
      t0,
      trace: traceKey === 'exact' ? 'exact' : { hutchinson: k as number },
      numScores,
      chunk: lid.number('chunk_size', 128, positiveInt, 'a positive integer'),
      likelihood: readDiffusionLikelihoodArgs(args, 'likelihood_computation_args'),
      calibrationPoints: estimator === 'flipd' || fixedScale !== null ? 0 : args.number('calibration_points', bufferBatches * inDistributionTrainBatchSize(args.root), positiveInt, 'a positive integer'),
      target: target as number | 'lpca',
      fixedScale: estimator === 'flipd' ? null : fixedScale,
      lpcaPoints: sel.number('lpca_points', 10_000, positiveInt, 'a positive integer'),
      scaleRange: [sel.number('l_scale', -100), sel.number('r_scale', 100)],
      bisectionSteps: sel.number('bin_search_steps', 100, positiveInt, 'a positive integer'),
    };
  },
  scores: {
    scores: [
      { name: 'log_likelihood', label: 'log-likelihood (nats, PF-ODE)', direction: 'higher-is-in-distribution' },
      { name: 'lid', label: 'LID (diffusion)', direction: 'higher-is-in-distribution' },
    ],
    combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'lid'] }],
  },
  calibration: {
    key: (plan, inDistribution) => [inDistribution, plan.estimator, plan.t0, plan.numScores, plan.target, plan.fixedScale, plan.lpcaPoints, plan.calibrationPoints, plan.scaleRange, plan.bisectionSteps],
    async run(model, plan, ctx) {
      if (plan.estimator === 'flipd') return { target: null, scale: null, calibrationPoints: 0 };
      if (plan.fixedScale !== null) return { target: null, scale: plan.fixedScale, calibrationPoints: 0 };
      const train = await ctx.trainingData();
      const target = await modelFreeTarget(plan.target, plan.lpcaPoints, train, ctx);
      ctx.log.info(`calibration target: LID ${target.dimension} (${target.source})`);
      const points = await calibrationCurves(
        train,
        plan.calibrationPoints,
        ctx,
        (i) => ctx.seed * 1_000_003 + CALIBRATION_OFFSET + i,
        async (image, seed): Promise<LidAtScale> => {
          const spectrum = await spectrumOf(model, image, seed, plan);
          return (scale) => countBelow(spectrum, scale);
        },
        'normal bundles',
      );
      const scale = calibrateScale(points, target.dimension, { low: plan.scaleRange[0], high: plan.scaleRange[1], steps: plan.bisectionSteps });
      return { target, scale, calibrationPoints: points.length };
    },
    describe: (c) =>
      c.scale === null
        ? 'FLIPD: no scale'
        : c.target === null
          ? `scale ${c.scale.toFixed(4)} (given)`
          : `scale ${c.scale.toFixed(4)}, target LID ${c.target.dimension} (${c.target.source}), ${c.calibrationPoints} calibration points`,
  },
  async score(model, point, plan, calibration) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(LIKELIHOOD_STREAM), plan.likelihood ?? undefined);
    if (plan.estimator === 'flipd') {
      const [lid] = await model.capabilities.flipd!(point.image, point.seed(SPECTRUM_STREAM), { t0: plan.t0, trace: plan.trace });
      return { log_likelihood: ll!, lid: lid! };
    }
    if (calibration?.scale === null || calibration?.scale === undefined) throw new DeterministicJobError('normal-bundle LID: no calibrated scale');
    const spectrum = await spectrumOf(model, point.image, point.seed(SPECTRUM_STREAM), plan);
    return { log_likelihood: ll!, lid: countBelow(spectrum, calibration.scale) };
  },
  summary: (plan, calibration) => ({
    estimator: plan.estimator,
    t0: plan.t0,
    trace: plan.estimator === 'flipd' ? (plan.trace as unknown as JsonValue) : null,
    numScores: plan.estimator === 'normal_bundle' ? plan.numScores : null,
    likelihood: plan.likelihood,
    scale: calibration?.scale ?? null,
    target: calibration?.target ?? null,
    calibrationPoints: calibration?.calibrationPoints ?? 0,
  }),
};
