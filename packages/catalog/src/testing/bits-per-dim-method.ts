/** A test-only OOD method: bits/dim from the log-likelihood (lower means more in-distribution). One file. */
import type { OodMethod } from '@dgm-ood/methods';

export const bitsPerDimMethod: OodMethod<{ dims: number | null }, null> = {
  id: 'bits-per-dim',
  classPaths: ['test.BitsPerDim'],
  requires: ['logLikelihood'],
  readPlan: (args) => ({ dims: args.number('dims', null, (n) => Number.isInteger(n) && n > 0, 'a positive integer') }),
  scores: { scores: [{ name: 'bits_per_dim', label: 'bits/dim', direction: 'lower-is-in-distribution' }], combinations: [] },
  async score(model, point, plan) {
    const [ll] = await model.capabilities.logLikelihood!(point.image, point.seed(1));
    const dims = plan.dims ?? model.dataShape[0] * model.dataShape[1] * model.dataShape[2];
    return { bits_per_dim: -ll! / (dims * Math.LN2) + 8 };
  },
};
