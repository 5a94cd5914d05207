import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, test } from 'vitest';
import { ConfigReader, type JsonValue } from '@dgm-ood/jobs';
import type { LoadedModel } from '@dgm-ood/models';
import { complexityMethod } from './complexity.js';
import { jpegBytes, pngBytes } from './complexity/compressed-length.js';
import { MethodRegistry } from './registry.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const planOf = (args: JsonValue) => complexityMethod.readPlan(new ConfigReader({ ood: { method_args: args } }, 'ood.method_args'));
const raw = readFileSync(new URL('./__fixtures__/complexity/images.u8', import.meta.url));

/** A model whose log p is a fixed number of nats, recording the options it was asked with. */
function fixedLikelihoodModel(nats: number, calls: JsonValue[]): LoadedModel {
  return {
    family: 'flow',
    dataShape: [1, 28, 28],
    capabilities: {
      logLikelihood: async (images, _seed, options) => {
        calls.push(options ?? null);
        return new Float64Array(images.shape[0]).fill(nats);
      },
    },
    source: { checkpoint: 'latest', weights: 'raw', path: '/x', sha256: '' },
    dispose: () => {},
  };
}

describe('input complexity', () => {
  test('ℓ in bits from a deterministic likelihood, L = 8 × the shorter of PNG and JPEG, the score ℓ + L', async () => {
    const calls: JsonValue[] = [];
    const pixels = new Uint8Array(raw.subarray(9 * 784, 10 * 784));
    const image = tf.tensor4d(Float32Array.from(pixels), [1, 28, 28, 1]);
    const plan = planOf({ compression_type: 'ensemble' });
    const scores = await complexityMethod.score(fixedLikelihoodModel(-693.1471805599453, calls), { image, index: 0, seed: () => 7 }, plan, null, {});
    const shape = { data: pixels, height: 28, width: 28, channels: 1 as const };
    const length = 8 * Math.min(pngBytes(shape), await jpegBytes(shape));
    // An MNIST digit: PNG (263 bytes as OpenCV writes it) beats JPEG (749).
    expect(length).toBe(8 * 263);
    expect(scores.log_likelihood_bits).toBeCloseTo(-1000, 9);
    expect(scores.complexity_bits).toBe(length);
    expect(scores.input_complexity).toBeCloseTo(-1000 + length, 9);
    expect(calls).toEqual([{ dequantization: 'midpoint', background_augmentation: false }]);
    image.dispose();
  });

  test('codecs and settings from method_args; the reference’s jpeg2000 is JPEG; bad values named', () => {
    expect(planOf({}).codecs).toEqual(['png', 'jpeg']);
    expect(planOf({ compression_type: 'jpeg2000' }).codecs).toEqual(['jpeg']);
    expect(planOf({ compression_type: ['png', 'flif'], dequantization: 'off', swap_rgb: true })).toEqual({ codecs: ['png', 'flif'], dequantization: 'off', swapRgb: true });
    expect(() => planOf({ compression_type: 'webp' })).toThrow(/^config ood\.method_args\.compression_type: must be ensemble, png, jpeg, jpeg2000, flif or a list/);
    expect(() => planOf({ dequantization: 'random' })).toThrow(/^config ood\.method_args\.dequantization: must be one of midpoint, off/);
  });

  test('defined for flows: a diffusion model is refused by name', () => {
    const registry = new MethodRegistry([complexityMethod]);
    expect(registry.resolve('ood.baselines.CompelxityBased', { name: 'flow', capabilities: ['logLikelihood'] }).id).toBe('complexity');
    expect(() => registry.resolve('ood.baselines.CompelxityBased', { name: 'diffusion', capabilities: ['logLikelihood'] })).toThrow(
      'config ood.method: ood.baselines.CompelxityBased cannot run on a diffusion model (complexity is defined for flow models)',
    );
  });
});
