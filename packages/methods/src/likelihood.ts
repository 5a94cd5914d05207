import type { ConfigReader } from '@dgm-ood/jobs';
import type { OodMethod } from './contract.js';

/** Seed stream of the log-likelihood's dequantization noise (the LID method uses the same stream for it). */
export const LIKELIHOOD_STREAM = 1;

/**
 * The naive detector: log p(x) in nats under the model (higher = more in-distribution). The paradox of the
 * paper is that this alone ranks some OOD sets above the model's own test data.
 */
export const likelihoodMethod: OodMethod<Record<string, never>, null> = {
  id: 'likelihood',
  classPaths: ['ood.likelihood.Likelihood', 'likelihood'],
  requires: ['logLikelihood'],
  readPlan: (_args: ConfigReader) => ({}),
  scores: {
    scores: [{ name: 'log_likelihood', label: 'log-likelihood (nats)', direction: 'higher-is-in-distribution' }],
    combinations: [],
  },
  async score(model, point) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(LIKELIHOOD_STREAM));
    return { log_likelihood: ll! };
  },
};
