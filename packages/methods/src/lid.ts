import type * as tf from '@tensorflow/tfjs';
import { ConfigReader, DeterministicJobError, positiveInt, type JsonValue } from '@dgm-ood/jobs';
import { calibrateScale, calibrateScaleToPercentile, taylorLid, thresholdLid, type LidAtScale } from '@dgm-ood/lid';
import type { LoadedModel } from '@dgm-ood/models';
import type { OodMethod } from './contract.js';
import { LIKELIHOOD_STREAM } from './likelihood.js';
import { inDistributionTrainBatchSize } from './ood-plan.js';
import { calibrationCurves, modelFreeTarget } from './scale-calibration.js';

/**
 * Only the exact estimator: no cheaper one met the bar of ≥ 4× lower cost per point with the dual-threshold AUC
 * within 0.02 of the exact one (bench/lid.bench.ts measures the candidates), so `fast` is refused.
 */
export type LidEstimator = 'exact';

/**
 * How a point's LID follows from its decoder Jacobian at a scale: `thresholding` counts the singular values
 * above e^scale; `taylor_approximation` is the LIDL-style rate of the linearised, Gaussian-convolved density
 * (the paper's earlier sweeps; it needs the eigenvectors too, so it costs more).
 */
export type LidSubmethod = 'thresholding' | 'taylor_approximation';

export interface LidPlan {
  estimator: LidEstimator;
  submethod: LidSubmethod;
  /** LID calibration: the first N points of the in-distribution training pool. */
  calibrationPoints: number;
  /** Target mean LID of the calibration: a number, or `lpca` (computed from the training data). */
  target: number | 'lpca';
  /**
   * Instead of a mean: the scale at which this percentile of the calibration LIDs is still ≥ (1 − tolerance)·D
   * (the earlier flow sweeps' `adaptive_setting_mode: percentile`).
   */
  percentileRule: { percentile: number; tolerance: number } | null;
  /** A scale given outright (the earlier sweeps' `evaluate_r` without adaptive measurement): no calibration. */
  fixedScale: number | null;
  lpcaPoints: number;
  scaleRange: [number, number];
  bisectionSteps: number;
}

/**
 * The earlier snapshot's `FlowIntrinsicDimensionOODDetection` arguments (the paper's flow sweeps), with that
 * snapshot's defaults. Its scale r is in the same log-std units as ours (δ² = e^{2r}, as its Gaussian-
 * convolution statistics define it), so: `adaptive_measurement: false` evaluates at `evaluate_r` (default −20);
 * otherwise r is found by bisection on [−20, 20] over `adaptive_train_data_buffer_size` batches of training
 * points for `bin_search_iteration_count` steps, so that their mean LID is `given_mean_lid`
 * (`adaptive_setting_mode: given`) or their `percentile`-th percentile stays ≥ (1 − `dimension_tolerance`)·D
 * (`percentile`, the default). `submethod` picks the threshold or the Taylor LID (default Taylor, as there).
 * Refused by name: the plateau rule.
 */
function readOlderArguments(args: ConfigReader): LidPlan | null {
  const keys = ['submethod', 'adaptive_measurement', 'adaptive_setting_mode', 'given_mean_lid', 'evaluate_r'];
  if (!keys.some((k) => args.get(k) !== undefined)) return null;
  const submethod = args.oneOf('submethod', ['thresholding', 'taylor_approximation'] as const, 'taylor_approximation');
  const adaptive = args.get('adaptive_measurement') ?? false;
  if (typeof adaptive !== 'boolean') args.fail('adaptive_measurement', `must be true or false (got ${JSON.stringify(adaptive)})`);
  // YAML values may carry trailing spaces ("given ").
  const mode = String(args.get('adaptive_setting_mode') ?? 'percentile').trim();
  if (adaptive && mode !== 'given' && mode !== 'percentile') {
    args.fail('adaptive_setting_mode', `${JSON.stringify(mode)} is not available: "given" (mean LID) and "percentile" are mapped`);
  }
  const bufferBatches = args.number('adaptive_train_data_buffer_size', 15, positiveInt, 'a positive integer');
  return {
    estimator: 'exact',
    submethod,
    calibrationPoints: adaptive ? bufferBatches * inDistributionTrainBatchSize(args.root) : 0,
    target: adaptive && mode === 'given' ? args.requiredNumber('given_mean_lid', (n) => n > 0, 'a positive mean LID to calibrate to') : 'lpca',
    percentileRule:
      adaptive && mode === 'percentile'
        ? {
            percentile: args.number('percentile', 10, (n) => n >= 0 && n < 100, 'a percentile in [0, 100)'),
            tolerance: args.number('dimension_tolerance', 0, (n) => n >= 0 && n <= 1, 'in [0, 1]'),
          }
        : null,
    fixedScale: adaptive ? null : args.number('evaluate_r', -20),
    lpcaPoints: 10_000,
    scaleRange: [-20, 20],
    bisectionSteps: args.number('bin_search_iteration_count', 20, positiveInt, 'a positive integer'),
  };
}

export interface LidCalibration {
  /** What the scale was calibrated to (null for a scale given outright). */
  target: { dimension: number; source: string } | null;
  scale: number;
  calibrationPoints: number;
}

/** A point's LID as a function of the scale, from one Jacobian computation. */
async function lidOfPoint(model: LoadedModel, image: tf.Tensor4D, seed: number, submethod: LidSubmethod): Promise<LidAtScale> {
  if (submethod === 'thresholding') {
    const spectrum = await model.capabilities.jacobianSpectrum!(image, seed);
    return (scale) => thresholdLid(spectrum, scale);
  }
  if (!model.capabilities.jacobianEigen) {
    throw new DeterministicJobError(`config ood.method_args.submethod: taylor_approximation needs the Jacobian's eigenvectors, which a ${model.family} model does not offer`);
  }
  const eigen = await model.capabilities.jacobianEigen(image, seed);
  return (scale) => taylorLid(eigen, scale);
}

/** Seed streams of a point: the spectrum's dequantization noise, and (offset) the calibration points'. */
const SPECTRUM_STREAM = 0;
const CALIBRATION_OFFSET = 500_000;

/**
 * The paper's fix (the reference's version: docs/reference-notes.md §3.2): the exact Jacobian-threshold LID of the
 * flow's decoder at each point, with the threshold scale calibrated so the in-distribution training points get the
 * model-free (LPCA) dimension on average; scored beside the log-likelihood and combined with it by a dual threshold
 * (OOD data that the model rates as likely sits on a lower-dimensional part of the learned manifold).
 */
export const lidMethod: OodMethod<LidPlan, LidCalibration & { [key: string]: JsonValue }> = {
  id: 'lid',
  classPaths: ['ood.intrinsic_dimension.LID_OOD', 'lid'],
  olderClassPaths: {
    // The paper's own flow sweeps (ood/intrinsic_dimension/flows/*LID_vs_likelihood*.yaml) name this class of an
    // earlier snapshot: LID of a flow from the Jacobian of its encoding map, scored beside the likelihood.
    'ood.methods.intrinsic_dimension.FlowIntrinsicDimensionOODDetection':
      "the earlier snapshot's flow LID detector: the flow's LID from its decoder Jacobian (threshold or Taylor submethod) beside its likelihood, at a given scale or one calibrated on training points to a mean LID or a percentile (its encoding-model arguments only chose how PyTorch computed the Jacobian)",
  },
  requires: ['logLikelihood', 'jacobianSpectrum'],
  readPlan(args: ConfigReader): LidPlan {
    const estimatorClass = args.get('lid_calculator_class');
    const explicitEstimator = args.get('estimator');
    const estimator = explicitEstimator ?? (typeof estimatorClass === 'string' && /Fast/.test(estimatorClass) ? 'fast' : 'exact');
    if (estimator === 'fast') {
      args.fail(
        explicitEstimator === undefined ? `lid_calculator_class (${String(estimatorClass)})` : 'estimator',
        'no fast LID estimator is available — none of the cheaper candidates stayed within 0.02 dual-threshold AUC of the exact estimator at ≥ 4× lower cost (see bench/lid.bench.ts); use estimator: exact',
      );
    }
    if (estimator !== 'exact') args.fail('estimator', `must be exact (got ${JSON.stringify(estimator)})`);
    const older = readOlderArguments(args);
    if (older) return older;
    const algorithm = args.get('scale_selection_algorithm') ?? 'given_from_model_free';
    if (algorithm !== 'given_from_model_free') {
      args.fail('scale_selection_algorithm', 'only given_from_model_free is supported (the reference\'s other modes are broken, see docs/reference-notes.md §3.2)');
    }
    const sel = args.at('scale_selection_algorithm_args');
    const target = sel.get('model_free_dimension') ?? 'lpca';
    if (target !== 'lpca' && !(typeof target === 'number' && target > 0)) sel.fail('model_free_dimension', `a positive number or "lpca" (got ${JSON.stringify(target)})`);
    const bufferBatches = args.number('training_buffer_size', 16, positiveInt, 'a positive integer');
    return {
      estimator: 'exact',
      calibrationPoints: args.number('calibration_points', bufferBatches * inDistributionTrainBatchSize(args.root), positiveInt, 'a positive integer'),
      submethod: 'thresholding',
      target: target as number | 'lpca',
      percentileRule: null,
      fixedScale: null,
      lpcaPoints: sel.number('lpca_points', 10_000, positiveInt, 'a positive integer'),
      scaleRange: [sel.number('l_scale', -100), sel.number('r_scale', 100)],
      bisectionSteps: sel.number('bin_search_steps', 20, positiveInt, 'a positive integer'),
    };
  },
  scores: {
    scores: [
      { name: 'log_likelihood', label: 'log-likelihood (nats)', direction: 'higher-is-in-distribution' },
      { name: 'lid', label: 'LID (decoder Jacobian)', direction: 'higher-is-in-distribution' },
    ],
    combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'lid'] }],
  },
  calibration: {
    key: (plan, inDistribution) => [inDistribution, plan.submethod, plan.fixedScale, plan.target, plan.percentileRule, plan.lpcaPoints, plan.calibrationPoints, plan.scaleRange, plan.bisectionSteps],
    async run(model, plan, ctx) {
      if (plan.fixedScale !== null) return { target: null, scale: plan.fixedScale, calibrationPoints: 0 };
      const train = await ctx.trainingData();
      const ambient = model.dataShape[0] * model.dataShape[1] * model.dataShape[2];
      let target: LidCalibration['target'];
      if (plan.percentileRule) {
        const { percentile, tolerance } = plan.percentileRule;
        target = { dimension: (1 - tolerance) * ambient, source: `percentile ${percentile} of the calibration LIDs ≥ (1 − ${tolerance})·${ambient}` };
      } else {
        target = await modelFreeTarget(plan.target, plan.lpcaPoints, train, ctx);
      }
      ctx.log.info(`calibration target: LID ${target.dimension} (${target.source})`);
      const points = await calibrationCurves(train, plan.calibrationPoints, ctx, (i) => ctx.seed * 1_000_003 + CALIBRATION_OFFSET + i, (image, seed) => lidOfPoint(model, image, seed, plan.submethod), 'Jacobians');
      const n = points.length;
      const range = { low: plan.scaleRange[0], high: plan.scaleRange[1], steps: plan.bisectionSteps };
      const scale = plan.percentileRule
        ? calibrateScaleToPercentile(points, plan.percentileRule.percentile, target.dimension, range)
        : calibrateScale(points, target.dimension, range);
      return { target, scale, calibrationPoints: n };
    },
    describe: (c) =>
      c.target === null
        ? `scale ${c.scale.toFixed(4)} (given)`
        : `scale ${c.scale.toFixed(4)}, target LID ${c.target.dimension} (${c.target.source}), ${c.calibrationPoints} calibration points`,
  },
  async score(model, point, plan, calibration) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(LIKELIHOOD_STREAM));
    const lidAt = await lidOfPoint(model, point.image, point.seed(SPECTRUM_STREAM), plan.submethod);
    return { log_likelihood: ll!, lid: lidAt(calibration!.scale) };
  },
  summary: (plan, calibration) => ({
    estimator: plan.estimator,
    submethod: plan.submethod,
    // How the decoder Jacobian is built for flows: layer by layer, equal to the autodiff one up to float32.
    jacobian: 'layered',
    scale: calibration?.scale ?? null,
    target: calibration?.target ?? null,
    calibrationPoints: calibration?.calibrationPoints ?? 0,
  }),
};
