import type { ConfigReader, JsonValue } from '@dgm-ood/jobs';
import type { OodMethod } from './contract.js';
import { readDiffusionLikelihoodArgs } from './diffusion-likelihood-args.js';
import { LIKELIHOOD_STREAM } from './likelihood.js';

export interface ScoreNormPlan {
  /** Time of the score (the reference's `evaluate_eps`, 1e-4). */
  t: number;
  likelihood: JsonValue | null;
}

const SCORE_STREAM = 2;

/**
 * The reference's score-norm ablation (`DiffusionScoreNormVsLikelihoodOODDetection`, docs/reference-notes.md
 * §3.9): ‖s(x, t)‖ at a small t beside the PF-ODE likelihood. Ours takes the score of the model-space image x̃
 * (dequantized and scaled, where the network was trained); the reference fed raw pixels (QUIRK). The norm is
 * used as the reference's evaluation uses it (as given, higher counted as in-distribution), alone and in the
 * dual threshold with the likelihood.
 */
export const diffusionScoreNormMethod: OodMethod<ScoreNormPlan, null> = {
  id: 'score-norm',
  classPaths: ['ood.methods.intrinsic_dimension.diffusion_method.DiffusionScoreNormVsLikelihoodOODDetection', 'score-norm'],
  requires: ['logLikelihood', 'scoreNorm'],
  readPlan: (args: ConfigReader) => ({
    t: args.number('evaluate_eps', 1e-4, (n) => n > 0 && n < 1, 'in (0, 1)'),
    likelihood: readDiffusionLikelihoodArgs(args, 'log_prob_kwargs'),
  }),
  scores: {
    scores: [
      { name: 'log_likelihood', label: 'log-likelihood (nats, PF-ODE)', direction: 'higher-is-in-distribution' },
      { name: 'score_norm', label: 'score norm ‖s(x, t)‖', direction: 'higher-is-in-distribution' },
    ],
    combinations: [{ kind: 'dual-threshold', scores: ['log_likelihood', 'score_norm'] }],
  },
  async score(model, point, plan) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(LIKELIHOOD_STREAM), plan.likelihood ?? undefined);
    const [norm] = await model.capabilities.scoreNorm!(point.image, point.seed(SCORE_STREAM), plan.t);
    return { log_likelihood: ll!, score_norm: norm! };
  },
  summary: (plan) => ({ t: plan.t, likelihood: plan.likelihood }),
};
