import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import { expandMetaConfig } from '@dgm-ood/metaconfig';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import { diffusionLidMethod } from './diffusion-lid.js';
import { diffusionScoreNormMethod } from './diffusion-score-norm.js';
import { MethodRegistry } from './registry.js';
import { lidMethod } from './lid.js';

const planOf = (config: JsonValue) => diffusionLidMethod.readPlan(new ConfigReader(config, 'ood.method_args'));
const firstJob = (path: string) => {
  const source = readFileSync(upstreamFixture('meta_configurations', path), 'utf8');
  const result = expandMetaConfig(source, { format: 'yaml' });
  if (!result.ok) throw new Error(`${path}: ${JSON.stringify(result.errors)}`);
  return result.jobs[0]!.config as JsonValue;
};

describe('diffusion LID plans', () => {
  test("the paper's grayscale sweep: the normal bundle at t₀ 0.01, 4 × ambient_dim copies, LPCA-targeted bisection, its PF-ODE settings", () => {
    const plan = planOf(firstJob('ood/intrinsic_dimension/diffusions/grayscale_LID_vs_likelihood.yaml'));
    expect(plan).toMatchObject({
      estimator: 'normal_bundle', t0: 0.01, numScores: 4 * 784, chunk: 32, fixedScale: null, scaleRange: [-100, 100], bisectionSteps: 100, calibrationPoints: 128,
      likelihood: { solver: 'euler', steps: 25, eps: 0.01, trace: 'rademacher', probes: 25, prior: 'correct' },
    });
    expect(typeof plan.target).toBe('number');
  });

  test('FLIPD by default, with its t₀, probes or the exact trace; no calibration', () => {
    expect(planOf({ ood: { method_args: {} } })).toMatchObject({ estimator: 'flipd', t0: 0.01, trace: { hutchinson: 4 }, calibrationPoints: 0, likelihood: null });
    expect(planOf({ ood: { method_args: { estimator: 'flipd', lid_calculator_args: { noise_time: 0.1 }, trace: 'exact' } } })).toMatchObject({ t0: 0.1, trace: 'exact' });
    expect(() => planOf({ ood: { method_args: { estimator: 'lidl' } } })).toThrow(/^config ood\.method_args\.estimator: must be flipd or normal_bundle/);
    expect(() => planOf({ ood: { method_args: { lid_calculator_class: 'lid.flows.ThresholdSVDFlowLIDEstimator' } } })).toThrow(/is not a diffusion LID estimator/);
  });

  test("the earlier snapshot's VE sweeps map onto the normal bundle (num_samples at eps, given mean LID)", () => {
    const plan = planOf(firstJob('ood/intrinsic_dimension/diffusions/ablation_LID_vs_likelihood_ve_sde.yaml'));
    expect(plan).toMatchObject({ estimator: 'normal_bundle', t0: 0.01, numScores: 500, scaleRange: [-20, 20], bisectionSteps: 10, likelihood: { steps: 25, probes: 10 } });
    expect(typeof plan.target).toBe('number');
  });

  test('LID_OOD routes by family: flows get the Jacobian LID, diffusion models FLIPD / normal bundle', () => {
    const registry = new MethodRegistry([lidMethod, diffusionLidMethod, diffusionScoreNormMethod]);
    expect(registry.resolve('ood.intrinsic_dimension.LID_OOD', { name: 'flow', capabilities: ['logLikelihood', 'jacobianSpectrum'] }).id).toBe('lid');
    expect(registry.resolve('ood.intrinsic_dimension.LID_OOD', { name: 'diffusion', capabilities: ['logLikelihood', 'sample', 'flipd', 'normalBundleSpectrum', 'scoreNorm'] }).id).toBe('diffusion-lid');
    const scoreNorm = diffusionScoreNormMethod.readPlan(new ConfigReader(firstJob('ood/intrinsic_dimension/diffusions/ablation_score_vs_likelihood.yaml'), 'ood.method_args'));
    expect(scoreNorm).toEqual({ t: 1e-4, likelihood: { solver: 'euler', steps: 25, eps: 0.01, trace: 'rademacher', probes: 10, prior: 'correct' } });
  });
});
