import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import type { LoadedModel } from '@dgm-ood/models';
import { likelihoodRatioMethod } from './likelihood-ratio.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const planOf = (args: JsonValue) => likelihoodRatioMethod.readPlan(new ConfigReader({ ood: { method_args: args } }, 'ood.method_args'));

/** Pixels i.i.d. N(μ, σ²) on the raw values: an analytic density, recording the options and seed of each call. */
function gaussianModel(mu: number, sigma: number, calls: Array<{ options: JsonValue | null; seed: number }>): LoadedModel {
  return {
    family: 'flow',
    dataShape: [1, 2, 2],
    capabilities: {
      logLikelihood: async (images, seed, options) => {
        calls.push({ options: options ?? null, seed });
        const x = await images.data();
        let logp = 0;
        for (const v of x) logp += -0.5 * Math.log(2 * Math.PI * sigma * sigma) - ((v - mu) ** 2) / (2 * sigma * sigma);
        return Float64Array.of(logp);
      },
    },
    source: { checkpoint: 'best_valid', weights: 'raw', path: '/m', sha256: '' },
    dispose: () => {},
  };
}

describe('likelihood ratio', () => {
  test('log p − log p_bg for two analytic densities, both on the same deterministic input', async () => {
    const calls: Array<{ options: JsonValue | null; seed: number }> = [];
    const image = tf.tensor4d([0, 10, 20, 30], [1, 2, 2, 1]);
    const plan = planOf({ reference_model_config: { sweep: 'background', job: 0 } });
    const scores = await likelihoodRatioMethod.score(gaussianModel(10, 5, calls), { image, index: 0, seed: (s) => 40 + s }, plan, null, { background: gaussianModel(15, 20, calls) });
    // By hand: Σ over x ∈ {0, 10, 20, 30} of [−½ln(2π·25) − (x−10)²/50] − [−½ln(2π·400) − (x−15)²/800]
    //   = 4·½·ln(400/25) − (100 + 0 + 100 + 400)/50 + (225 + 25 + 25 + 225)/800 = 2 ln 16 − 12 + 0.625.
    expect(scores.likelihood_ratio).toBeCloseTo(2 * Math.log(16) - 12 + 0.625, 10);
    expect(scores.log_likelihood! - scores.background_log_likelihood!).toBeCloseTo(scores.likelihood_ratio!, 12);
    const deterministic = { dequantization: 'midpoint', background_augmentation: false };
    expect(calls).toEqual([{ options: deterministic, seed: 41 }, { options: deterministic, seed: 41 }]);
    image.dispose();
  });

  test('the background model from reference_model_config in any base_model form; problems named at their path', () => {
    expect(planOf({ reference_model_config: { sweep: 'bg', job: 1 } })).toEqual({ backgroundPath: 'ood.method_args.reference_model_config', dequantization: 'midpoint' });
    expect(planOf({ reference_model_config: { checkpoint_dir: 'a/de_nf_best_valid.pt', config_dir: 'a/run_config.json' }, dequantization: 'off' }).dequantization).toBe('off');
    expect(() => planOf({})).toThrow(/^config ood\.method_args\.reference_model_config: missing: the background model/);
    expect(() => planOf({ reference_model_config: { checkpoint_dir: 'a.pt' } })).toThrow(/^config ood\.method_args\.reference_model_config: the PyTorch checkpoint a\.pt needs the run's config/);
    expect(() => planOf({ reference_model_config: 'bg' })).toThrow(/^config ood\.method_args\.reference_model_config: expected a model reference/);
  });

  test('a background model of another family or shape is refused by name', async () => {
    const image = tf.tensor4d([0, 10, 20, 30], [1, 2, 2, 1]);
    const other = { ...gaussianModel(0, 1, []), dataShape: [1, 4, 4] as [number, number, number] };
    const plan = planOf({ reference_model_config: { sweep: 'bg', job: 0 } });
    await expect(likelihoodRatioMethod.score(gaussianModel(0, 1, []), { image, index: 0, seed: () => 1 }, plan, null, { background: other })).rejects.toThrow(
      'config ood.method_args.reference_model_config: the background model must be a flow model of the same data shape 1×2×2 (got a flow model of 1×4×4)',
    );
    image.dispose();
  });
});
