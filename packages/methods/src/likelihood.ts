import type { ConfigReader, JsonValue } from '@dgm-ood/jobs';
import { readDiffusionLikelihoodArgs } from './diffusion-likelihood-args.js';
import type { OodMethod } from './contract.js';

/** Seed stream of the log-likelihood's dequantization noise (the LID method uses the same stream for it). */
export const LIKELIHOOD_STREAM = 1;

/**
 * The naive detector: log p(x) in nats under the model (higher = more in-distribution). The paradox of the
 * paper is that this alone ranks some OOD sets above the model's own test data.
 */
export const likelihoodMethod: OodMethod<{ options: JsonValue | null }, null> = {
  id: 'likelihood',
  classPaths: ['ood.likelihood.Likelihood', 'likelihood'],
  requires: ['logLikelihood'],
  // Diffusion models: the PF-ODE settings (the reference's keys, as in its diffusion OOD methods); flows ignore them.
  readPlan: (args: ConfigReader) => ({ options: readDiffusionLikelihoodArgs(args, 'log_prob_kwargs') ?? readDiffusionLikelihoodArgs(args, 'likelihood_computation_args') }),
  scores: {
    scores: [{ name: 'log_likelihood', label: 'log-likelihood (nats)', direction: 'higher-is-in-distribution' }],
    combinations: [],
  },
  async score(model, point, plan) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(LIKELIHOOD_STREAM), plan.options ?? undefined);
    return { log_likelihood: ll! };
  },
};
