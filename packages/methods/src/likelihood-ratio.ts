import { DeterministicJobError, type ConfigReader } from '@dgm-ood/jobs';
import type { OodMethod } from './contract.js';
import { deterministicLogLikelihood, readInputScaling, type InputScaling } from './deterministic-likelihood.js';
import { LIKELIHOOD_STREAM } from './likelihood.js';
import { readModelSourceAt } from './ood-plan.js';

export interface LikelihoodRatioPlan {
  /** The config path naming the background model. */
  backgroundPath: string;
  /** The flows' input scaling (deterministic-likelihood.ts). */
  dequantization: InputScaling;
}

const BACKGROUND = 'ood.method_args.reference_model_config';

/**
 * The likelihood ratio (Ren et al. 2019; the reference's `ood.baselines.LikelihoodRatio`): the flow's log p(x)
 * minus that of a background flow of the same architecture trained on perturbed inputs (each pixel replaced with
 * probability 0.3: `background_augmentation`), which models population-level statistics such as the background
 * the ratio cancels. Both are evaluated on the same deterministic input: no dequantization noise, no denoising
 * noise, no background augmentation. `ood.method_args.reference_model_config` names the background model in any
 * form `base_model` takes ({sweep, job}, {directory}, or the reference's {checkpoint_dir, config_dir}).
 * Scores: `likelihood_ratio` (high = in distribution), and both log-likelihoods (the reference's `log-likelihood`
 * and `ref-log-likelihood` columns).
 */
export const likelihoodRatioMethod: OodMethod<LikelihoodRatioPlan, null> = {
  id: 'likelihood-ratio',
  classPaths: ['ood.baselines.LikelihoodRatio', 'likelihood-ratio'],
  requires: ['logLikelihood'],
  families: ['flow'],
  readPlan: (args: ConfigReader) => {
    const config = args.root;
    if (args.get('reference_model_config') === undefined) {
      args.fail('reference_model_config', 'missing: the background model ({sweep, job} of a training sweep with background_augmentation, {directory}, or {checkpoint_dir, config_dir})');
    }
    readModelSourceAt(config, BACKGROUND);
    return { backgroundPath: BACKGROUND, dequantization: readInputScaling(args) };
  },
  models: (plan) => ({ background: plan.backgroundPath }),
  scores: {
    scores: [
      { name: 'likelihood_ratio', label: 'log p − log p_background (nats)', direction: 'higher-is-in-distribution' },
      { name: 'log_likelihood', label: 'log-likelihood (nats, deterministic input)', direction: 'higher-is-in-distribution' },
      { name: 'background_log_likelihood', label: 'background log-likelihood (nats)', direction: 'higher-is-in-distribution' },
    ],
    combinations: [],
  },
  async score(model, point, plan, _calibration, others) {
    const background = others.background;
    if (!background) throw new Error('likelihood ratio: the background model was not loaded');
    if (background.family !== model.family || background.dataShape.join('×') !== model.dataShape.join('×')) {
      throw new DeterministicJobError(
        `config ${plan.backgroundPath}: the background model must be a ${model.family} model of the same data shape ${model.dataShape.join('×')} (got a ${background.family} model of ${background.dataShape.join('×')})`,
      );
    }
    const seed = point.seed(LIKELIHOOD_STREAM);
    const ll = await deterministicLogLikelihood(model, point.image, seed, plan.dequantization);
    const bg = await deterministicLogLikelihood(background, point.image, seed, plan.dequantization);
    return { likelihood_ratio: ll - bg, log_likelihood: ll, background_log_likelihood: bg };
  },
  summary: (plan) => ({ dequantization: plan.dequantization, background: plan.backgroundPath }),
};
