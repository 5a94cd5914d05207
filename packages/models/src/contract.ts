/**
 * The model-family contract: what a package implements so that the generic trainer trains its models and the
 * OOD methods score with them. A family is one package plus one registration (see the catalog package).
 *
 * Images everywhere are raw NHWC tensors [B, H, W, C] with values 0..255 (the datasets' own scale); each
 * family applies its own data transform (dequantization, scaling) inside.
 */
import type * as tf from '@tensorflow/tfjs';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** JSON-serialisable non-trainable state of a model (e.g. ActNorm `initialized`, permutations). */
export type ModelStateValue = boolean | number | number[];

/** What every trainable model offers the trainer and the checkpoint code. */
export interface TrainableModel {
  /** The family's validated spec: enough to rebuild the same architecture. Stored in checkpoints. */
  readonly spec: unknown;
  /** Trainable variables under stable dotted names (checkpoint keys). */
  namedParameters(): Array<[string, tf.Variable]>;
  stateDict(): Record<string, ModelStateValue>;
  loadStateDict(state: Record<string, ModelStateValue>): void;
  numParameters(): number;
  dispose(): void;
}

/** Options of one training-mode pass. */
export interface ObjectivePass {
  /** Seed of this pass's noise (dequantization, dropout, diffusion time and noise). */
  seed: number;
  /** Training mode (dropout on). Validation passes may run in either mode. */
  training: boolean;
}

/** How a family's models are trained: a loss per batch plus optional hooks and metrics. */
export interface TrainingObjective {
  /** Mean loss over the batch (a scalar the trainer differentiates). */
  loss(images: tf.Tensor4D, pass: ObjectivePass): tf.Scalar;
  /**
   * Called once before the first optimizer step with the whole first batch (e.g. ActNorm data-dependent
   * initialisation), so that the result does not depend on micro-batching.
   */
  beforeFirstStep?(images: tf.Tensor4D, pass: ObjectivePass): void;
  /** Named metrics derived from a mean loss (e.g. bits/dim from a mean NLL in nats). */
  metrics?(meanLoss: number): Record<string, number>;
  /** Name of the loss in logs and metric series (e.g. `nll`). */
  lossName: string;
  /**
   * A costlier test evaluation after training, run when the training config asks for it
   * (`trainer.test_evaluation`), e.g. a diffusion model's PF-ODE log-likelihood. `settings` are the ones the
   * family's `readTestEvaluation` returned.
   */
  testEvaluation?(settings: JsonValue): TestEvaluation;
}

/** Per-image values of a test evaluation, averaged by the caller, and metrics of that mean. */
export interface TestEvaluation {
  /** Name of the per-image value (e.g. `pf_ode_logp`). */
  name: string;
  /** Values for one batch of raw NHWC images. */
  batch(images: tf.Tensor4D, seed: number): Promise<Float64Array>;
  /** Named metrics of the mean value (e.g. bits/dim). */
  metrics(mean: number): Record<string, number>;
}

/** Names of the capabilities a loaded model may offer; OOD methods declare which they require. */
export type CapabilityName =
  | 'logLikelihood'
  | 'sample'
  | 'jacobianSpectrum'
  | 'jacobianEigen'
  | 'reconstruct'
  | 'score'
  | 'flipd'
  | 'normalBundleSpectrum'
  | 'scoreNorm'
  | 'averageDenoisingLoss'
  | 'degradeDenoise';

/** How a diffusion model's LID and score terms are taken: at noise time t₀ (docs/diffusion.md §10). */
export interface FlipdSettings {
  t0: number;
  /** The trace of the score's Jacobian: exact (D probes) or k Gaussian Hutchinson probes. */
  trace: 'exact' | { hutchinson: number };
}

/** Goodier et al.'s average denoising loss L_φ of one image (docs/diffusion.md §11). */
export interface AverageLossSettings {
  /** φ: times are drawn from U(0, φ·T]. */
  fraction: number;
  /** M: noisy copies averaged. */
  draws: number;
}

/** Graham et al.'s degrade-and-denoise of one image (docs/diffusion.md §12). */
export interface DegradeDenoiseSettings {
  /** N noise levels at T·(i/N)^γ. */
  levels: number;
  gamma: number;
  /** Euler–Maruyama grid points per level (level i uses i·steps). */
  steps: number;
}

export interface NormalBundleSettings {
  t0: number;
  /** Noisy copies per point (the reference: 4·ambient dimension). */
  numScores: number;
  /** Copies per network call. */
  chunk: number;
}

/** What a loaded model can do for OOD methods. Each is optional; `capabilities` of the family lists them. */
export interface ModelCapabilities {
  /**
   * log p(x) in nats per image, seeded noise (dequantization). `options`: family-specific settings (a diffusion
   * model's PF-ODE solver, ε and trace estimator); absent: the family's defaults.
   */
  logLikelihood?(images: tf.Tensor4D, seed: number, options?: JsonValue): Promise<Float64Array>;
  /**
   * n raw NHWC samples (values 0..255), seeded. `options`: family-specific (a diffusion model's `{steps}` of its
   * reverse-SDE sampler); absent: the family's defaults.
   */
  sample?(n: number, seed: number, options?: JsonValue): Promise<tf.Tensor4D>;
  /**
   * Squared singular values of the decoder Jacobian at one image [1, H, W, C] (ascending or not; the LID
   * code sorts): the spectrum the exact Jacobian-threshold LID needs.
   */
  jacobianSpectrum?(image: tf.Tensor4D, seed: number): Promise<Float64Array>;
  /**
   * The same eigenvalues and the point's latent rotated into their eigenbasis (z̃ = Qᵀz), for the Taylor
   * (LIDL-style) LID estimate.
   */
  jacobianEigen?(image: tf.Tensor4D, seed: number): Promise<{ values: Float64Array; rotatedLatent: Float64Array }>;
  /** Encode then decode: the reconstruction of each image, raw NHWC. */
  reconstruct?(images: tf.Tensor4D, seed: number): Promise<tf.Tensor4D>;
  /** ∇ₓ log p(x) for each image (the score), NHWC, in the model's data space. */
  score?(images: tf.Tensor4D, seed: number): Promise<tf.Tensor4D>;
  /** Diffusion: the FLIPD LID of each image at t₀ (seeded dequantization and probes). */
  flipd?(images: tf.Tensor4D, seed: number, settings: FlipdSettings): Promise<Float64Array>;
  /** Diffusion: the descending singular values of the normal-bundle drift matrix of one image [1, H, W, C]. */
  normalBundleSpectrum?(image: tf.Tensor4D, seed: number, settings: NormalBundleSettings): Promise<Float64Array>;
  /** Diffusion: ‖s(x̃, t)‖ of each image, the true score at time t (the score-norm ablation). */
  scoreNorm?(images: tf.Tensor4D, seed: number, t: number): Promise<Float64Array>;
  /** Diffusion: L_φ(x) of one image [1, H, W, C], the mean weighted L1 denoising loss over M seeded copies. */
  averageDenoisingLoss?(image: tf.Tensor4D, seed: number, settings: AverageLossSettings): Promise<number>;
  /** Diffusion: the reconstructions of one image [1, H, W, C] from each noise level, raw pixels [N, H, W, C]. */
  degradeDenoise?(image: tf.Tensor4D, seed: number, settings: DegradeDenoiseSettings): Promise<tf.Tensor4D>;
}

/** A model ready for OOD methods: its family, spec, shape and capabilities. */
export interface LoadedModel {
  family: string;
  /** [C, H, W] of the images it models. */
  dataShape: [number, number, number];
  capabilities: ModelCapabilities;
  /** Which checkpoint and which weights were loaded (`weights`: `raw` or `ema`); `sha256` of its tensor blob. */
  source: { checkpoint: string; weights: 'raw' | 'ema'; path: string; sha256: string };
  dispose(): void;
}

/** Where a config problem is, for located errors: a dotted path from the job config's root. */
export interface ReadSpecOptions {
  /** Dotted path of the model section in the job config (e.g. `model`). */
  path: string;
  /** Seed for anything the spec draws (e.g. permutations). */
  seed: number;
}

/**
 * A model family. `matches`, `readSpec` and `validateSpec` must be cheap and import no tensor library: the
 * coordinator calls them to validate submissions. `build` and `capabilities` may load heavy modules.
 */
export interface ModelFamily<Spec = unknown, Model extends TrainableModel = TrainableModel> {
  /** Stable name, stored in checkpoints (e.g. `flow`). */
  name: string;
  /** Version of the family's spec and state layout in checkpoints; bump when they change incompatibly. */
  formatVersion: number;
  /** Capabilities every loaded model of this family offers. */
  capabilities: readonly CapabilityName[];
  /** Whether the `model` section of a training config describes a model of this family. */
  matches(modelConfig: JsonValue | undefined): boolean;
  /** The validated spec of a `model` section; throws a located, deterministic ModelError when invalid. */
  readSpec(modelConfig: JsonValue, options: ReadSpecOptions): Spec;
  /** Validate a spec read back from a checkpoint (`where` names the file). */
  validateSpec(spec: unknown, where: string): Spec;
  build(spec: Spec): Promise<Model>;
  objective(model: Model): TrainingObjective;
  /** Wrap a trained model for OOD methods (e.g. precompute inverses). */
  capabilitiesOf(model: Model): Promise<ModelCapabilities>;
  /** Data shape [C, H, W] of a spec. */
  dataShape(spec: Spec): [number, number, number];
  /**
   * Validate and complete the family-specific keys of `trainer.test_evaluation` (everything but `points` and
   * `batch_size`); throws a located error. Families without a test evaluation leave this out.
   */
  readTestEvaluation?(settings: JsonValue, path: string): JsonValue;
  /** A short human description (architecture summary) for logs and job summaries. */
  describe?(model: Model): JsonValue;
  /**
   * Build a model from a reference (PyTorch) checkpoint: `modelConfig` is the run's `model` section, which
   * this family `matches`; `report` says what was loaded (JSON, stored with the job). Families that cannot
   * import PyTorch checkpoints leave this out.
   */
  importTorch?(checkpoint: string, modelConfig: JsonValue, options: { configSource?: string }): Promise<{ model: Model; report: JsonValue }>;
}

/** Any family, whatever its spec and model types (for registries). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModelFamily = ModelFamily<any, any>;
