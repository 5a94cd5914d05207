import { ConfigReader, positiveInt, type JsonValue } from '@dgm-ood/jobs';
import { calibrateScale, calibrateScaleToPercentile, thresholdLid } from '@dgm-ood/lid';
import type { OodMethod } from './contract.js';
import { LIKELIHOOD_STREAM } from './likelihood.js';
import { inDistributionTrainBatchSize } from './ood-plan.js';

/**
 * Only the exact estimator: no cheaper one met the bar of ≥ 4× lower cost per point with the dual-threshold AUC
 * within 0.02 of the exact one (bench/lid.bench.ts measures the candidates), so `fast` is refused.
 */
export type LidEstimator = 'exact';

export interface LidPlan {
  estimator: LidEstimator;
  /** LID calibration: the first N points of the in-distribution training pool. */
  calibrationPoints: number;
  /** Target mean LID of the calibration: a number, or `lpca` (computed from the training data). */
  target: number | 'lpca';
  /**
   * Instead of a mean: the scale at which this percentile of the calibration LIDs is still ≥ (1 − tolerance)·D
   * (the earlier flow sweeps' `adaptive_setting_mode: percentile`).
   */
  percentileRule: { percentile: number; tolerance: number } | null;
  lpcaPoints: number;
  scaleRange: [number, number];
  bisectionSteps: number;
}

/**
 * The earlier snapshot's `FlowIntrinsicDimensionOODDetection` arguments (the paper's flow sweeps). Mapped where
 * they describe our computation: the Jacobian-threshold LID (`submethod: thresholding`) with the threshold
 * scale found by bisection on [−20, 20] over `adaptive_train_data_buffer_size` batches of training points, for
 * `bin_search_iteration_count` steps, so that the points' mean LID is `given_mean_lid` (`adaptive_setting_mode:
 * given`) or their `percentile`-th percentile stays ≥ (1 − `dimension_tolerance`)·D (`percentile`). Both rules
 * depend only on the LIDs, not on how that snapshot parametrised the scale. Refused by name: the Taylor-
 * approximation estimator, the plateau rule, and a fixed `evaluate_r` (its scale convention in that snapshot
 * cannot be checked against ours).
 */
function readOlderArguments(args: ConfigReader): LidPlan | null {
  const keys = ['submethod', 'adaptive_measurement', 'adaptive_setting_mode', 'given_mean_lid', 'evaluate_r'];
  if (!keys.some((k) => args.get(k) !== undefined)) return null;
  const submethod = args.get('submethod') ?? 'thresholding';
  if (submethod !== 'thresholding') {
    args.fail('submethod', `${JSON.stringify(submethod)} is not available: only the Jacobian-threshold LID (submethod: thresholding) is implemented`);
  }
  if (args.get('adaptive_measurement') !== true) {
    args.fail('adaptive_measurement', 'a fixed evaluate_r is not available: only the threshold calibrated to a given mean LID (adaptive_measurement: true, adaptive_setting_mode: given) is mapped');
  }
  // The snapshot's default mode is percentile; YAML values may carry trailing spaces ("given ").
  const mode = String(args.get('adaptive_setting_mode') ?? 'percentile').trim();
  if (mode !== 'given' && mode !== 'percentile') {
    args.fail('adaptive_setting_mode', `${JSON.stringify(mode)} is not available: "given" (mean LID) and "percentile" are mapped`);
  }
  const bufferBatches = args.number('adaptive_train_data_buffer_size', 15, positiveInt, 'a positive integer');
  return {
    estimator: 'exact',
    calibrationPoints: bufferBatches * inDistributionTrainBatchSize(args.root),
    target: mode === 'given' ? args.requiredNumber('given_mean_lid', (n) => n > 0, 'a positive mean LID to calibrate to') : 'lpca',
    percentileRule:
      mode === 'percentile'
        ? {
            percentile: args.number('percentile', 10, (n) => n >= 0 && n < 100, 'a percentile in [0, 100)'),
            tolerance: args.number('dimension_tolerance', 0, (n) => n >= 0 && n <= 1, 'in [0, 1]'),
          }
        : null,
    lpcaPoints: 10_000,
    scaleRange: [-20, 20],
    bisectionSteps: args.number('bin_search_iteration_count', 20, positiveInt, 'a positive integer'),
  };
}

export interface LidCalibration {
  target: { dimension: number; source: string };
  scale: number;
  calibrationPoints: number;
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
      "the earlier snapshot's flow LID detector: the same Jacobian-threshold LID of the flow beside its likelihood, its scale calibrated on training points to a given mean LID or percentile (its encoding-model arguments only chose how PyTorch computed the Jacobian)",
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
      target: target as number | 'lpca',
      percentileRule: null,
      lpcaPoints: sel.number('lpca_points', 10_000, positiveInt, 'a positive integer'),
      scaleRange: [sel.number('l_scale', -100), sel.number('r_scale', 100)],
      bisectionSteps: sel.number('bin_search_steps', 20, positiveInt, 'a positive integer'),
    };
  },
  scores: {
    scores: [
      { name: 'log_likelihood', label: 'log-likelihood (nats)', direction: 'higher-is-in-distribution' },
      { name: 'lid', label: 'LID (Jacobian threshold)', direction: 'higher-is-in-distribution' },
    ],
    combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'lid'] }],
  },
  calibration: {
    key: (plan, inDistribution) => [inDistribution, plan.target, plan.percentileRule, plan.lpcaPoints, plan.calibrationPoints, plan.scaleRange, plan.bisectionSteps],
    async run(model, plan, ctx) {
      const train = await ctx.trainingData();
      const ambient = model.dataShape[0] * model.dataShape[1] * model.dataShape[2];
      let target: LidCalibration['target'];
      if (plan.percentileRule) {
        const { percentile, tolerance } = plan.percentileRule;
        target = { dimension: (1 - tolerance) * ambient, source: `percentile ${percentile} of the calibration LIDs ≥ (1 − ${tolerance})·${ambient}` };
      } else if (plan.target === 'lpca') {
        await ctx.progress(`LPCA dimension of ${ctx.inDistribution} (${plan.lpcaPoints} images)`);
        const { lpcaTarget } = await import('./lpca-target.js');
        const lpca = await lpcaTarget(train, plan.lpcaPoints);
        target = { dimension: lpca.dimension, source: `lpca(${lpca.rows} ${ctx.inDistribution} training images, alpha 0.001)` };
      } else {
        target = { dimension: plan.target, source: 'config' };
      }
      ctx.log.info(`calibration target: LID ${target.dimension} (${target.source})`);
      const { imageAt } = await import('./images.js');
      const n = Math.min(plan.calibrationPoints, train.shape[0]);
      const spectra: Float64Array[] = [];
      for (let i = 0; i < n; i++) {
        if (ctx.signal.aborted) throw new Error(`stopped during calibration: ${String(ctx.signal.reason)}`);
        const image = imageAt(train, i);
        spectra.push(await model.capabilities.jacobianSpectrum!(image, ctx.seed * 1_000_003 + CALIBRATION_OFFSET + i));
        image.dispose();
        await ctx.progress(`calibration spectra ${i + 1}/${n}`);
      }
      const range = { low: plan.scaleRange[0], high: plan.scaleRange[1], steps: plan.bisectionSteps };
      const scale = plan.percentileRule
        ? calibrateScaleToPercentile(spectra, plan.percentileRule.percentile, target.dimension, range)
        : calibrateScale(spectra, target.dimension, range);
      return { target, scale, calibrationPoints: n };
    },
    describe: (c) => `scale ${c.scale.toFixed(4)}, target LID ${c.target.dimension} (${c.target.source}), ${c.calibrationPoints} calibration points`,
  },
  async score(model, point, _plan, calibration) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(LIKELIHOOD_STREAM));
    const spectrum = await model.capabilities.jacobianSpectrum!(point.image, point.seed(SPECTRUM_STREAM));
    return { log_likelihood: ll!, lid: thresholdLid(spectrum, calibration!.scale) };
  },
  summary: (plan, calibration) => ({
    estimator: plan.estimator,
    // How the decoder Jacobian is built for flows: layer by layer, equal to the autodiff one up to float32.
    jacobian: 'layered',
    scale: calibration?.scale ?? null,
    target: calibration?.target ?? null,
    calibrationPoints: calibration?.calibrationPoints ?? 0,
  }),
};
