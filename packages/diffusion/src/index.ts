/**
 * @dgm-ood/diffusion — score-based diffusion models (VP and VE SDEs, a diffusers-compatible U-Net), laid out
 * like score_sde: one SDE abstraction (`sde/`); losses, sampling and likelihood as modules taking
 * (sde, network). docs/diffusion.md explains the conventions (time, parametrisation, prior, bits/dim).
 */
export * from './sde/index.js';
export type { ScoreNetwork } from './score-network.js';
export { denoisingLoss, denoisingLossPerExample, type DenoisingLossOptions, type LossScheme } from './losses.js';
export { pfOdeLogLikelihood, scoreAt, upstreamLogpOffset, type PfOdeOptions, type PfOdeResult, type PfOdeSolver } from './likelihood.js';
export { hutchinsonProbes, scoreAndTrace, type TraceEstimator } from './score-trace.js';
export { reverseIntegrate, sampleDiffusion, DEFAULT_SAMPLE_EPS, DEFAULT_SAMPLE_STEPS, type ReverseSolver, type SampleOptions } from './sampling.js';
export { dopri5, type Dopri5Options, type Dopri5Result, type OdeRhs } from './ode/dopri5.js';
export { applyDataTransform, invertDataTransform } from './data-transform.js';
export { logpToBitsPerDim } from './units.js';
export { DiffusionModel, REFERENCE_LIKELIHOOD, ACCURATE_LIKELIHOOD } from './model.js';
export { importDiffusionCheckpoint, type ImportDiffusionCheckpointOptions, type CheckpointImportReport } from './import-torch.js';
export { buildDiffusionModel, diffusionCapabilities, diffusionObjective, describeDiffusion } from './family-runtime.js';
export { diffusionFamily } from './family.js';
export { DIFFUSION_SPEC_FORMAT, DEFAULT_DIFFUSION_DATA_TRANSFORM, type DiffusionModelSpec, type SdeSpec, type DiffusionDataTransform } from './spec.js';
export * from './unet/index.js';
export { DiffusionError, DiffusionConfigError, type DiffusionErrorCode } from './errors.js';
export { flipd, flipdTerms, type FlatScore, type FlipdOptions, type FlipdTerms, type FlipdTrace } from './lid/flipd.js';
export { normalBundleLid, normalBundleSpectra, type NormalBundleOptions } from './lid/normal-bundle.js';
