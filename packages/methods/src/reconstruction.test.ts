import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { ImageArray } from '@dgm-ood/data';
import { ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import { expandMetaConfig } from '@dgm-ood/metaconfig';
import type { LoadedModel } from '@dgm-ood/models';
import { upstreamFixture } from '../../../test/fixtures/upstream-fixtures.js';
import type { CalibrationContext } from './contract.js';
import { imageAt } from './images.js';
import { reconstructionMethod, type ReconstructionPlan } from './reconstruction.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterEach(() => {
  delete process.env.LPIPS_ALEXNET_WEIGHTS;
  delete process.env.LPIPS_LIN_WEIGHTS;
});

const reader = (args: JsonValue, data: JsonValue = {}) => new ConfigReader({ data, ood: { method_args: args } }, 'ood.method_args');

/** A diffusion model whose reconstructions are the image plus `damage(level, seed)` on every pixel. */
function fakeDenoiser(damage: (level: number, seed: number) => number): LoadedModel {
  return {
    family: 'diffusion',
    dataShape: [1, 16, 16],
    capabilities: {
      degradeDenoise: async (image, seed, settings) =>
        tf.tidy(() => tf.concat(Array.from({ length: settings.levels }, (_, l) => tf.add(image, damage(l, seed))), 0) as tf.Tensor4D),
    },
    source: { checkpoint: 'best_valid', weights: 'raw', path: '/m', sha256: '' },
    dispose: () => {},
  };
}

const train: ImageArray = { images: Float32Array.from({ length: 6 * 256 }, (_, i) => (i * 13) % 200), shape: [6, 1, 16, 16] };
const ctx: CalibrationContext = {
  inDistribution: 'fashion-mnist',
  trainingData: async () => train,
  seed: 1,
  progress: async () => {},
  signal: new AbortController().signal,
  log: { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as CalibrationContext['log'],
};
const plan = (args: JsonValue): ReconstructionPlan => reconstructionMethod.readPlan(reader(args));
const scoreAll = async (model: LoadedModel, p: ReconstructionPlan, calibration: Awaited<ReturnType<NonNullable<typeof reconstructionMethod.calibration>['run']>>) => {
  const out: Record<string, number>[] = [];
  for (let i = 0; i < 6; i++) {
    const image = imageAt(train, i);
    out.push(await reconstructionMethod.score(model, { image, index: i, seed: () => ctx.seed * 1_000_003 + 7_000_003 + i }, p, calibration, {}));
    image.dispose();
  }
  return out;
};

describe('reconstruction (degrade and denoise)', () => {
  test('a perfect denoiser: every distance 0, so z = 0 on the calibration images', async () => {
    const p = plan({ num_time_steps: 3, methods_to_include: ['l2', 'ssim'], calibration_points: 6 });
    const model = fakeDenoiser(() => 0);
    const calibration = await reconstructionMethod.calibration!.run(model, p, ctx);
    expect(calibration.points).toBe(6);
    for (const s of await scoreAll(model, p, calibration)) {
      expect(Object.keys(s).sort()).toEqual(['reconstruction', 'reconstruction_l2', 'reconstruction_ssim']);
      for (const v of Object.values(s)) expect(Math.abs(v)).toBeLessThan(1e-12);
    }
  });

  test('z-scores are calibrated per level: over the calibration images each level’s z averages to 0; damage lowers the score', async () => {
    const p = plan({ num_time_steps: 2, methods_to_include: ['l2'], calibration_points: 6 });
    // The damage grows with the level and varies by image (its seed).
    const model = fakeDenoiser((level, seed) => (level + 1) * (1 + (seed % 5)));
    const calibration = await reconstructionMethod.calibration!.run(model, p, ctx);
    const scores = await scoreAll(model, p, calibration);
    expect(scores.reduce((s, v) => s + v.reconstruction!, 0)).toBeCloseTo(0, 9);
    // Per image (damage d per pixel at level 1, 2d at level 2): l2 = d², 4d²; z is the mean of the two standardised.
    const worse = fakeDenoiser((level) => (level + 1) * 9);
    const image = imageAt(train, 0);
    const [bad] = [await reconstructionMethod.score(worse, { image, index: 0, seed: () => 0 }, p, calibration, {})];
    image.dispose();
    expect(bad!.reconstruction).toBeLessThan(Math.min(...scores.map((s) => s.reconstruction!)));
  });

  test("the reference's sweep: 100 levels × 10 steps, l2 and lpips, one batch of 128 to calibrate; lpips without weights is refused saying which files", () => {
    const source = readFileSync(upstreamFixture('meta_configurations', 'ood', 'reconstruction_based', 'grayscale_degrade_denoise.yaml'), 'utf8');
    const expanded = expandMetaConfig(source, { format: 'yaml' });
    if (!expanded.ok) throw new Error(JSON.stringify(expanded.errors));
    const config = expanded.jobs[0]!.config as JsonValue;
    expect(() => reconstructionMethod.readPlan(new ConfigReader(config, 'ood.method_args'))).toThrow(
      /^config ood\.method_args\.lpips_weights: lpips needs AlexNet weights, which no registry here ships: provide lpips_weights: \{alexnet: <torchvision alexnet-owt-7be5be79\.pth>, lin: <the lpips package's weights\/v0\.1\/alex\.pth>\}/,
    );
    process.env.LPIPS_ALEXNET_WEIGHTS = '/w/alexnet.pth';
    process.env.LPIPS_LIN_WEIGHTS = '/w/alex.pth';
    expect(reconstructionMethod.readPlan(new ConfigReader(config, 'ood.method_args'))).toEqual({
      levels: 100, gamma: 1, steps: 10, metrics: ['l2', 'lpips'], calibrationPoints: 128, lpips: { source: 'deployment', input: 'minus-one-to-one' },
    });
    expect(plan({ lpips_weights: { lpips: 'lpips/lpips.pth' }, lpips_input: 'raw' }).lpips).toEqual({ source: { lpips: 'lpips/lpips.pth' }, input: 'raw-0-255' });
    expect(() => plan({ methods_to_include: ['l1'] })).toThrow(/^config ood\.method_args\.methods_to_include: must be a non-empty list of l2, ssim, lpips/);
    expect(() => plan({ lpips_weights: { alexnet: 'a.pth' } })).toThrow(/^config ood\.method_args\.lpips_weights: must be \{alexnet: <file>, lin: <file>\} or \{lpips: <file>\}/);
  });
});
