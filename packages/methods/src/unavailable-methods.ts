/**
 * The reference's OOD class paths that dgm-ood does not run (yet), each with what it is: a config naming one
 * is refused by name at submission instead of failing later on a worker.
 */
export const UNAVAILABLE_METHODS: Readonly<Record<string, string>> = {
  'ood.baselines.JEMVol': 'the JEM volume baseline is not implemented',
  'ood.sampling.ProbabilityMassSampling': 'probability-mass sampling is not implemented',
  'ood.methods.sampling.MetropolisHastingEstimator': 'the Metropolis–Hastings estimator is not implemented',
  'ood.methods.sampling.GaussianConvTrend': 'the Gaussian-convolution trend is not implemented',
  'ood.methods.intrinsic_dimension.RadiiTrend': 'the ρ–r trend (an older LID curve study, not a detector) is not implemented',
  'ood.methods.intrinsic_dimension.ReconstructionCheck': 'the numerical-invertibility check is not implemented',
};
