// End to end on a distribution we know: a small U-Net trained by ε-matching on 8×8 Gaussian blobs, then sampled
// by Euler–Maruyama, gives images with the data's statistics (mean brightness, dark background, one bright peak).
// Catches what the closed-form tests cannot: a mismatch between the network, the loss and the sampler.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { activateBackend } from '@dgm-ood/engine';
import { Rng } from '@dgm-ood/engine/rng';
import { AdamW } from '@dgm-ood/training';
import { DiffusionModel } from './model.js';
import { blobPixels } from './testing/blobs.js';
import { DEFAULT_DIFFUSION_DATA_TRANSFORM, DIFFUSION_SPEC_FORMAT } from './spec.js';
import { TINY_SPEC } from './unet/test-specs.js';

beforeAll(async () => {
  await activateBackend('wasm');
});

function blobs(rng: Rng, n: number): tf.Tensor4D {
  return tf.tensor4d(blobPixels(rng, n), [n, 8, 8, 1]);
}

function statistics(values: ArrayLike<number>, n: number) {
  const v = Array.from(values);
  const peaks = Array.from({ length: n }, (_, i) => Math.max(...v.slice(i * 64, i * 64 + 64)));
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, dark: v.filter((x) => x < 16).length / v.length, medianPeak: peaks.sort((a, b) => a - b)[n >> 1]! };
}

it('trained on 8×8 blobs, its Euler–Maruyama samples have the data statistics', async () => {
  const model = new DiffusionModel({
    format: DIFFUSION_SPEC_FORMAT,
    dataShape: [1, 8, 8],
    dataTransform: { ...DEFAULT_DIFFUSION_DATA_TRANSFORM },
    sde: { type: 'vp', betaMin: 0.1, betaMax: 20, T: 1 },
    network: { type: 'unet2d', ...TINY_SPEC, blockOutChannels: [16, 32] },
    seed: 1,
  });
  const rng = new Rng(3);
  const optimizer = new AdamW(model.namedParameters(), { lr: 2e-3, weightDecay: 0 });
  const nameOf = new Map(model.namedParameters().map(([n, v]) => [v.name, n] as const));
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    const x = blobs(rng, 32);
    const { value, grads } = tf.variableGrads(() => model.loss(x, { seed: step, training: true }), model.namedParameters().map(([, v]) => v));
    optimizer.apply(new Map(Object.entries(grads).map(([k, g]) => [nameOf.get(k)!, g] as const)), 2e-3);
    losses.push((await value.data())[0]!);
    tf.dispose([x, value, ...Object.values(grads)]);
  }
  expect(losses.slice(-50).reduce((a, b) => a + b) / 50).toBeLessThan(0.1 * losses[0]!);
  const data = blobs(new Rng(99), 256);
  const want = statistics(await data.data(), 256);
  const samples = await model.sample(64, { seed: 5 });
  const got = statistics(await samples.data(), 64);
  expect(Math.abs(got.mean - want.mean)).toBeLessThan(0.25 * want.mean);
  expect(Math.abs(got.dark - want.dark)).toBeLessThan(0.12);
  expect(Math.abs(got.medianPeak - want.medianPeak)).toBeLessThan(50);
  tf.dispose([data, samples]);
  optimizer.dispose();
  model.dispose();
}, 300_000);
