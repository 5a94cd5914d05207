import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFlowModel } from './build.js';
import { flowPreset, withCouplingWidths } from './presets.js';
import { perturbParameters, scaleCouplingOutputs } from './testing.js';
import { maxAbsDiff, randomTensor, useCpuBackend } from './test-helpers.js';
import { bitsPerDim, natsToBits, nllToBitsPerDim } from './units.js';

beforeAll(useCpuBackend);

const tinyGrayscale = () => {
  const model = buildFlowModel(withCouplingWidths(flowPreset('glow-grayscale', { seed: 2 }), () => 2));
  perturbParameters(model, 3, 0.05);
  scaleCouplingOutputs(model, 0.3);
  return model;
};

describe('FlowModel likelihood (docs/reference-notes.md §2.1 conventions)', () => {
  it('log p = log N(f(x̃)) + log|det ∂f/∂x̃| with x̃ = x/255 without dequantization, x̃ = (x+u)/256 with it', () => {
    const model = tinyGrayscale();
    const x = tf.floor(randomTensor([3, 28, 28, 1], 1, { lo: 0, hi: 256 }));
    const direct = tf.tidy(() => {
      const { z, logabsdet } = model.flow.forward(tf.div(x, 255));
      return tf.add(model.flow.base.logProb(z), logabsdet);
    });
    expect(maxAbsDiff(model.logProb(x, { dequantize: false }), direct)).toBeLessThan(1e-3);
    // dequantized: seeded noise is reproducible, and different seeds differ
    const a = model.logProb(x, { seed: 1 }).dataSync();
    const b = model.logProb(x, { seed: 1 }).dataSync();
    const c = model.logProb(x, { seed: 2 }).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[0]).not.toBe(c[0]);
    expect(model.loss(x, { seed: 1 }).dataSync()[0]).toBeCloseTo(-(a[0]! + a[1]! + a[2]!) / 3, 2);
    // base distribution: standard normal on the flattened latent
    expect(model.flow.base.logProb(tf.zeros([1, 784])).dataSync()[0]).toBeCloseTo(-392 * Math.log(2 * Math.PI), 2);
    model.dispose();
  });

  it('preprocess draws its dequantization noise from `seed` (same seed, same x̃)', () => {
    const model = tinyGrayscale();
    const x = tf.floor(randomTensor([1, 28, 28, 1], 4, { lo: 0, hi: 256 }));
    const a = model.preprocess(x, { seed: 7 });
    const b = model.preprocess(x, { seed: 7 });
    const c = model.preprocess(x, { seed: 8 });
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    model.dispose();
  });

  it('rejects NCHW input with a hint', () => {
    const model = tinyGrayscale();
    const rgb = buildFlowModel(withCouplingWidths(flowPreset('glow-rgb'), () => 2));
    expect(() => rgb.logProb(tf.zeros([1, 3, 32, 32]))).toThrow(/NCHW\? convert with toNhwc/);
    model.dispose();
    rgb.dispose();
  });

  it('converts to bits/dim: (D·ln 256 − log p)/(D·ln 2), ln 255 without dequantization', () => {
    expect(bitsPerDim(0, 784)).toBeCloseTo(8, 12);
    expect(bitsPerDim(784 * Math.LN2, 784)).toBeCloseTo(7, 12);
    expect(bitsPerDim(0, 10, { dequantize: false })).toBeCloseTo(Math.log2(255), 12);
    expect(nllToBitsPerDim(-2771, 784)).toBeCloseTo(bitsPerDim(2771, 784), 12);
    expect(natsToBits(Math.LN2)).toBeCloseTo(1, 12);
  });
});

describe('sampling', () => {
  it('is seeded, independent of the batch size, and returns integer images NHWC', async () => {
    const model = tinyGrayscale();
    const a = await model.sample(5, { seed: 10, batchSize: 2 });
    const b = await model.sample(5, { seed: 10, batchSize: 5 });
    const c = await model.sample(5, { seed: 11 });
    expect(a.shape).toEqual([5, 28, 28, 1]);
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(maxAbsDiff(a, c)).toBeGreaterThan(0);
    expect(Array.from(a.dataSync()).every(Number.isInteger)).toBe(true);
    // the samples are the decoded latents: encoding them back (as x̃) gives latents whose log-density is finite
    model.dispose();
  });

  it('decode(encode(x̃)) = x̃ through the whole model (logit + multiscale)', () => {
    const model = tinyGrayscale();
    const xt = randomTensor([2, 28, 28, 1], 4, { lo: 0.01, hi: 0.99 });
    const { z, logabsdet } = model.encode(xt);
    const back = model.decode(z);
    expect(maxAbsDiff(back.x, xt)).toBeLessThan(1e-4);
    expect(maxAbsDiff(tf.add(back.logabsdet, logabsdet), tf.zeros([2]))).toBeLessThan(1e-2);
    model.dispose();
  });
});
