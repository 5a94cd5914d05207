/**
 * Score-based diffusion models as a model family. This module imports no tensor library: the coordinator
 * reads and validates diffusion specs with it; building, training and scoring load `family-runtime.ts` on
 * first use.
 */
import type { JsonValue, ModelFamily } from '@dgm-ood/models';
import type { DiffusionModel } from './model.js';
import { isDiffusionModel, resolveDiffusionModelSpec } from './presets.js';
import type { DiffusionModelSpec } from './spec.js';
import { readTestEvaluationSettings } from './test-evaluation-settings.js';
import { validateDiffusionSpec } from './validate-spec.js';

type Runtime = typeof import('./family-runtime.js');
let runtime: Runtime | undefined;
const loadRuntime = async (): Promise<Runtime> => (runtime ??= await import('./family-runtime.js'));
const loaded = (): Runtime => {
  if (!runtime) throw new Error('diffusion family: build a model before asking for its objective');
  return runtime;
};

export const diffusionFamily: ModelFamily<DiffusionModelSpec, DiffusionModel> = {
  name: 'diffusion',
  formatVersion: 1,
  capabilities: ['logLikelihood', 'sample', 'flipd', 'normalBundleSpectrum', 'scoreNorm', 'averageDenoisingLoss', 'degradeDenoise'],
  matches: isDiffusionModel,
  readSpec: (config, { path, seed }) => resolveDiffusionModelSpec(config, { seed, path }),
  validateSpec: (spec, where) => validateDiffusionSpec(spec, where),
  dataShape: (spec) => [...spec.dataShape],
  build: async (spec) => (await loadRuntime()).buildDiffusionModel(spec),
  objective: (model) => loaded().diffusionObjective(model),
  capabilitiesOf: async (model) => (await loadRuntime()).diffusionCapabilities(model),
  readTestEvaluation: (settings, path) => readTestEvaluationSettings(settings, path) as unknown as JsonValue,
  describe: (model) => loaded().describeDiffusion(model),
  importTorch: async (checkpoint, modelConfig, { configSource }) => (await loadRuntime()).importDiffusionTorch(checkpoint, modelConfig, configSource),
};
