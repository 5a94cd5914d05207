/** The tensor side of the diffusion family (loaded on first use by family.ts). */
import type { JsonValue, ModelCapabilities, TestEvaluation, TrainingObjective } from '@dgm-ood/models';
import type { PfOdeOptions } from './likelihood.js';
import { DiffusionModel, REFERENCE_LIKELIHOOD } from './model.js';
import { readTestEvaluationSettings, type TestEvaluationSettings } from './test-evaluation-settings.js';
import { logpToBitsPerDim } from './units.js';
import { DiffusionConfigError } from './errors.js';
import type { DiffusionModelSpec } from './spec.js';
import { unetFlopsPerImage } from './unet/index.js';

export async function buildDiffusionModel(spec: DiffusionModelSpec): Promise<DiffusionModel> {
  return new DiffusionModel(spec);
}

/**
 * The reference's ε-matching loss (mean over the batch of Σ_dims (ŝ + ε)²); it has no derived metric. The test
 * evaluation is the PF-ODE log-likelihood, reported in bits/dim.
 */
export function diffusionObjective(model: DiffusionModel): TrainingObjective {
  return {
    lossName: 'eps_loss',
    loss: (images, { training, seed }) => model.loss(images, { training, seed }),
    testEvaluation: (settings) => pfOdeTestEvaluation(model, settings as unknown as TestEvaluationSettings),
  };
}

export function pfOdeOptionsOf(s: TestEvaluationSettings): Omit<PfOdeOptions, 'probeSeeds'> {
  return {
    solver: s.solver === 'rk45' ? { type: 'rk45', rtol: s.rtol, atol: s.atol } : { type: 'euler', steps: s.steps },
    eps: s.eps,
    trace: s.trace === 'exact' ? { method: 'exact' } : { method: s.trace, probes: s.probes },
    prior: s.prior,
  };
}

function pfOdeTestEvaluation(model: DiffusionModel, s: TestEvaluationSettings): TestEvaluation {
  const options = pfOdeOptionsOf(s);
  const dequantize = s.dequantize ?? model.spec.dataTransform.dequantize;
  const { dataMin, dataMax } = model.spec.dataTransform;
  return {
    name: 'pf_ode_logp',
    batch: async (images, seed) => (await model.logLikelihood(images, seed, options, dequantize)).logp,
    // bits/dim is only meaningful for the correct prior; the upstream offset would shift it by a constant.
    metrics: (mean): Record<string, number> => (s.prior === 'correct' ? { bits_per_dim: logpToBitsPerDim(mean, model.dim, { range: dataMax - dataMin, dequantize }) } : {}),
  };
}

/**
 * Likelihood with the reference's OOD settings (docs/diffusion.md §4) unless the method passes its own (the
 * settings of `trainer.test_evaluation`); samples by its Euler–Maruyama; FLIPD, normal-bundle and score-norm
 * terms for the LID methods (§10).
 */
export async function diffusionCapabilities(model: DiffusionModel): Promise<ModelCapabilities> {
  const { modelFlipd, modelNormalBundleSpectrum, modelScoreNorm } = await import('./lid/model-estimators.js');
  return {
    logLikelihood: async (images, seed, options) => {
      if (options === undefined) return (await model.logLikelihood(images, seed, REFERENCE_LIKELIHOOD)).logp;
      const s = readTestEvaluationSettings(options, 'ood.method_args.likelihood');
      return (await model.logLikelihood(images, seed, pfOdeOptionsOf(s), s.dequantize ?? undefined)).logp;
    },
    sample: (n, seed, options) => {
      const steps = (options as { steps?: unknown } | undefined)?.steps;
      if (steps !== undefined && !(typeof steps === 'number' && Number.isInteger(steps) && steps >= 1)) {
        throw new DiffusionConfigError(`must be a positive integer (got ${JSON.stringify(steps)})`, 'sampling steps');
      }
      return model.sample(n, { seed, ...(steps !== undefined ? { solver: { type: 'euler-maruyama' as const, steps } } : {}) });
    },
    flipd: (images, seed, settings) => modelFlipd(model, images, seed, settings),
    normalBundleSpectrum: (image, seed, settings) => modelNormalBundleSpectrum(model, image, seed, settings),
    averageDenoisingLoss: (image, seed, settings) => model.averageDenoisingLoss(image, seed, settings),
    degradeDenoise: (image, seed, settings) => model.degradeDenoise(image, seed, settings),
    scoreNorm: (images, seed, t) => modelScoreNorm(model, images, seed, t),
  };
}

export function describeDiffusion(model: DiffusionModel): JsonValue {
  const { type: _t, ...unet } = model.spec.network;
  return {
    parameters: model.numParameters(),
    flops_per_image: unetFlopsPerImage(unet),
    sde: model.spec.sde as unknown as JsonValue,
    block_out_channels: unet.blockOutChannels,
    layers_per_block: unet.layersPerBlock,
    ...(model.spec.preset ? { preset: model.spec.preset } : {}),
  };
}

export type { DiffusionModelSpec };

/** A reference PyTorch checkpoint as a diffusion model (the family's importTorch). */
export async function importDiffusionTorch(checkpoint: string, modelConfig: JsonValue, configSource?: string): Promise<{ model: DiffusionModel; report: JsonValue }> {
  const { importDiffusionCheckpoint } = await import('./import-torch.js');
  const { model, report } = await importDiffusionCheckpoint({ checkpoint, config: modelConfig, ...(configSource ? { configSource } : {}) });
  return { model, report: JSON.parse(JSON.stringify(report)) as JsonValue };
}
