import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import { expandMetaConfig } from '@dgm-ood/metaconfig';
import type { AverageLossSettings, LoadedModel } from '@dgm-ood/models';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import { avgLossTrendMethod, trendFractions } from './avg-loss-trend.js';
import { cclrMethod } from './cclr.js';
import { scoreSchemaOf } from './contract.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const reader = (args: JsonValue) => new ConfigReader({ ood: { method_args: args } }, 'ood.method_args');

/** L_φ = 10·φ + (seed mod 1000)/10⁶: a value that shows both the fraction and which draws were used. */
function lossModel(calls: Array<{ seed: number } & AverageLossSettings>): LoadedModel {
  return {
    family: 'diffusion',
    dataShape: [1, 2, 2],
    capabilities: {
      averageDenoisingLoss: async (_image, seed, settings) => {
        calls.push({ seed, ...settings });
        return 10 * settings.fraction + (seed % 1000) / 1e6;
      },
    },
    source: { checkpoint: 'best_valid', weights: 'raw', path: '/m', sha256: '' },
    dispose: () => {},
  };
}

describe('CCLR', () => {
  test('each φ scores L_φ − L_1 with its own draws; L_1 once per point', async () => {
    const calls: Array<{ seed: number } & AverageLossSettings> = [];
    const plan = cclrMethod.readPlan(reader({ t_fracs: [0.25, 0.5], num_samples: 64 }));
    const image = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const scores = await cclrMethod.score(lossModel(calls), { image, index: 0, seed: (s) => 1000 * s + 17 }, plan, null, {});
    expect(calls.map((c) => [c.fraction, c.draws])).toEqual([[1, 64], [0.25, 64], [0.5, 64]]);
    expect(new Set(calls.map((c) => c.seed)).size).toBe(3);
    const valueOf = (i: number) => 10 * calls[i]!.fraction + (calls[i]!.seed % 1000) / 1e6;
    expect(scores).toEqual({ avg_loss_1: valueOf(0), cclr_0_25: valueOf(1) - valueOf(0), cclr_0_5: valueOf(2) - valueOf(0) });
    expect(scoreSchemaOf(cclrMethod, plan).scores.map((s) => s.name)).toEqual(['cclr_0_25', 'cclr_0_5', 'avg_loss_1']);
    image.dispose();
  });

  test("the reference's sweep: one t_frac per job, M = num_samples; all five φ by default; bad values named", () => {
    const source = readFileSync(upstreamFixture('meta_configurations', 'ood', 'ratios', 'grayscale_diffusion_ratio.yaml'), 'utf8');
    const expanded = expandMetaConfig(source, { format: 'yaml' });
    if (!expanded.ok) throw new Error(JSON.stringify(expanded.errors));
    const plans = expanded.jobs.map((j) => cclrMethod.readPlan(new ConfigReader(j.config as JsonValue, 'ood.method_args')));
    expect(new Set(plans.map((p) => p.fractions.join()))).toEqual(new Set(['0.33', '0.5', '0.25', '0.1', '0.66']));
    expect(plans.every((p) => p.draws === 1024)).toBe(true);
    expect(cclrMethod.readPlan(reader({})).fractions).toEqual([0.1, 0.25, 0.33, 0.5, 0.66]);
    expect(() => cclrMethod.readPlan(reader({ t_frac: 0.5, t_fracs: [0.1] }))).toThrow(/^config ood\.method_args\.t_fracs: give t_frac \(one φ\) or t_fracs/);
    expect(() => cclrMethod.readPlan(reader({ t_fracs: [0.1, 1.5] }))).toThrow(/^config ood\.method_args\.t_fracs: must be a non-empty list of time fractions in \(0, 1\]/);
    expect(() => cclrMethod.readPlan(reader({ t_frac: 0 }))).toThrow(/^config ood\.method_args\.t_frac: must be a time fraction in \(0, 1\]/);
  });
});

describe('average-loss trend', () => {
  test('the curve of L_φ over the reference’s φ grid, one score per φ', async () => {
    expect(trendFractions(3, 2)).toEqual([1e-6, (0.5 * (1 - 1e-6)) ** 2 + 1e-6, (1 - 1e-6) ** 2 + 1e-6]);
    const plan = avgLossTrendMethod.readPlan(reader({ t_frac_count: 4, t_frac_gamma: 3, num_samples: 8 }));
    const calls: Array<{ seed: number } & AverageLossSettings> = [];
    const image = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const scores = await avgLossTrendMethod.score(lossModel(calls), { image, index: 0, seed: () => 5 }, plan, null, {});
    expect(Object.keys(scores)).toEqual(['avg_loss_00', 'avg_loss_01', 'avg_loss_02', 'avg_loss_03']);
    expect(calls.map((c) => c.fraction)).toEqual(plan.fractions);
    expect(plan.fractions[3]).toBeCloseTo(1, 5);
    image.dispose();
  });
});
