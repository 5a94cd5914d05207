/**
 * Normalizing flows as a model family. This module imports no tensor library: the coordinator reads and
 * validates flow specs with it; building, training and scoring load `family-runtime.ts` on first use.
 */
import type { ModelFamily } from '@dgm-ood/models';
import type { FlowModel } from './model.js';
import { resolveFlowModelSpec } from './presets.js';
import { FLOW_SPEC_FORMAT, validateFlowSpec, type FlowModelSpec } from './spec.js';

type Runtime = typeof import('./family-runtime.js');
let runtime: Runtime | undefined;
const loadRuntime = async (): Promise<Runtime> => (runtime ??= await import('./family-runtime.js'));
const loaded = (): Runtime => {
  if (!runtime) throw new Error('flow family: build a model before asking for its objective');
  return runtime;
};

/** Whether a config's model section is a normalizing flow: the reference's class, one of our presets, or our spec. */
export function isFlowModel(model: unknown): boolean {
  if (model === null || typeof model !== 'object' || Array.isArray(model)) return false;
  const m = model as Record<string, unknown>;
  if (typeof m.class_path === 'string') return /NormalizingFlow$/.test(m.class_path);
  if (typeof m.preset === 'string') return /^(glow|rqnsf)-/.test(m.preset);
  return m.format === FLOW_SPEC_FORMAT;
}

export const flowFamily: ModelFamily<FlowModelSpec, FlowModel> = {
  name: 'flow',
  formatVersion: 1,
  capabilities: ['logLikelihood', 'sample', 'jacobianSpectrum', 'jacobianEigen', 'reconstruct', 'score'],
  matches: isFlowModel,
  readSpec: (config, { path, seed }) => resolveFlowModelSpec(config, { seed, path }),
  validateSpec: (spec, where) => validateFlowSpec(spec, where),
  dataShape: (spec) => [...spec.dataShape],
  build: async (spec) => (await loadRuntime()).buildFlowModel(spec),
  objective: (model) => loaded().flowObjective(model),
  capabilitiesOf: async (model) => (await loadRuntime()).flowCapabilities(model),
  describe: (model) => loaded().describeFlow(model),
  importTorch: async (checkpoint, modelConfig, { configSource }) => (await loadRuntime()).importFlowTorch(checkpoint, modelConfig, configSource),
};
