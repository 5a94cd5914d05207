/**
 * @dgm-ood/flows — normalizing flows of the reference (multiscale Glow-style affine and RQ-NSF flows),
 * written against the tfjs API so that they run on whichever backend @dgm-ood/engine selected.
 *
 * Layout: tensors are NHWC [B, H, W, C]; channel indices, masks, squeeze order and the latent order are the
 * reference's NCHW ones (see layout.ts). Latents are [B, D] flattened in C,H,W order per level.
 */

// Transforms (nflows-style: forward(x) → {y, logabsdet}, inverse(y) → {x, logabsdet}, logabsdet per sample [B]).
export type { ChwShape, FlowContext, ForwardResult, InverseResult, Transform } from './types.js';
export { LogitTransform, type LogitTransformOptions } from './transforms/logit.js';
export { SqueezeTransform } from './transforms/squeeze.js';
export { ActNorm } from './transforms/actnorm.js';
export { OneByOneConvolution, IDENTITY_DIAG_RAW } from './transforms/one-by-one-conv.js';
export { ChannelCoupling, type CouplingOptions, type CouplingNetOptions } from './transforms/coupling.js';
export { AffineCoupling } from './transforms/affine-coupling.js';
export { RqSplineCoupling, type RqSplineCouplingOptions } from './transforms/rq-spline-coupling.js';
export { ChannelSplitter, identityChannels, maskValues, transformedChannels, type ChannelMask } from './transforms/channel-mask.js';
export { CompositeTransform } from './transforms/composite.js';
export { MultiscaleTransform, type MultiscaleLevelInfo } from './transforms/multiscale.js';
export { ConvResidualNet, type ConvResidualNetOptions } from './nets/conv-residual-net.js';
export { StandardNormal } from './base-distribution.js';
export { Flow } from './flow.js';
export { Module, type StateValue } from './module.js';

// The spline on its own (nflows unconstrained_rational_quadratic_spline, tails='linear').
export {
  rationalQuadraticSpline,
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  type RationalQuadraticSplineOptions,
  type SplineResult,
} from './splines/rational-quadratic.js';
export { rationalQuadraticSplineReference } from './splines/rational-quadratic-reference.js';

// Models, specs, configs, presets.
export { FlowModel, type LogProbOptions } from './model.js';
export { applyDataTransform, invertDataTransform, type DataTransformCallOptions } from './data-transform.js';
export {
  FLOW_SPEC_FORMAT,
  DEFAULT_DATA_TRANSFORM,
  specDimension,
  validateFlowSpec,
  type ConvResidualNetSpec,
  type DataTransformSpec,
  type FlowLevelSpec,
  type FlowModelSpec,
  type MaskSpec,
  type TransformSpec,
} from './spec.js';
export { buildFlowModel, inferLevelShapes, type BuildOptions } from './build.js';
export { flowSpecFromUpstream, parseUpstreamFlow, UPSTREAM_CLASSES, type UpstreamParseOptions } from './upstream-config.js';
export { importFlowCheckpoint, type FlowCheckpointImportReport, type ImportFlowCheckpointOptions } from './import-torch.js';
export {
  FLOW_PRESET_NAMES,
  describeFlowPreset,
  flowPreset,
  multiscaleFlowSpec,
  resolveFlowModelSpec,
  withCouplingWidths,
  type CouplingKind,
  type MultiscaleLevelRecipe,
  type MultiscaleRecipe,
  type PresetOverrides,
} from './presets.js';
export { describeArchitecture, type ArchitectureSummary, type CouplingSummary, type LevelSummary } from './architecture.js';

// Units, layout, randomness.
export { bitsPerDim, natsToBits, nllToBitsPerDim } from './units.js';
export { chwOf, flattenChw, nchwToNhwc, nhwcToNchw, toNhwc, unflattenChw, type ImageLayout } from './layout.js';
export { deriveSeed, Rng, SeedStream } from './random.js';

// The model family (registered in the catalog) and the exact LID spectrum it offers.
export { flowFamily, isFlowModel } from './family.js';
export { flowObjective, flowCapabilities } from './family-runtime.js';
export { loadFlowModel } from './load.js';
export { decoderGram, flowJacobianEigen, flowJacobianSpectrum, flowLatent, flowLogLikelihood, JACOBIAN_CHUNK_ROWS, type JacobianMethod, type SpectrumTiming } from './lid-spectrum.js';

// Errors and checks.
export { FlowConfigError, FlowError, isFlowError, type FlowErrorCode } from './errors.js';
export { autodiffJacobian, autodiffLogAbsDet, checkFlowJacobian, type FlowJacobianCheck } from './jacobian-check.js';
export { logAbsDet, invertLowerTriangular, invertUpperTriangular, matMul64 } from './linalg64.js';
export { perturbParameters, scaleCouplingOutputs } from './testing.js';
