import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flattenChw } from '../layout.js';
import { perturbParameters } from '../testing.js';
import { expectBijection, maxAbsDiff, randomTensor, useCpuBackend } from '../test-helpers.js';
import { ActNorm } from './actnorm.js';
import { CompositeTransform } from './composite.js';
import { MultiscaleTransform } from './multiscale.js';
import { OneByOneConvolution } from './one-by-one-conv.js';
import { SqueezeTransform } from './squeeze.js';

beforeAll(useCpuBackend);

function twoLevel() {
  const l1 = new CompositeTransform([new SqueezeTransform(2), new ActNorm(4), new OneByOneConvolution(4, { seed: 1 })]);
  const l2 = new CompositeTransform([new SqueezeTransform(2), new ActNorm(8), new OneByOneConvolution(8, { seed: 2 })]);
  const ms = new MultiscaleTransform([l1, l2], [1, 4, 4]);
  perturbParameters(ms, 3, 0.3);
  return { ms, l1, l2 };
}

describe('MultiscaleTransform', () => {
  it('emits the first half of the channels of each level, flattened in C,H,W order, in level order', () => {
    const { ms, l1, l2 } = twoLevel();
    const x = randomTensor([2, 4, 4, 1], 1);
    const { z, logabsdet } = ms.forward(x);
    expect(z.shape).toEqual([2, 16]);
    expect(ms.levelInfo.map((l) => l.emittedShape)).toEqual([
      [2, 2, 2],
      [8, 1, 1],
    ]);
    const y1 = l1.forward(x);
    const first = flattenChw(tf.slice(y1.y, [0, 0, 0, 0], [2, 2, 2, 2]));
    const rest = tf.slice(y1.y, [0, 0, 0, 2], [2, 2, 2, 2]);
    const y2 = l2.forward(rest);
    expect(maxAbsDiff(tf.slice(z, [0, 0], [2, 8]), first)).toBe(0);
    expect(maxAbsDiff(tf.slice(z, [0, 8], [2, 8]), flattenChw(y2.y))).toBe(0);
    expect(maxAbsDiff(logabsdet, tf.add(y1.logabsdet, y2.logabsdet))).toBeLessThan(1e-5);
  });

  it('flattens in C,H,W order: z index c·H·W + h·W + w', () => {
    const x = tf.range(0, 2 * 2 * 3).reshape([1, 2, 3, 2]); // NHWC, value = (h·3 + w)·2 + c
    const flat = flattenChw(x).dataSync();
    for (let c = 0; c < 2; c++) for (let h = 0; h < 2; h++) for (let w = 0; w < 3; w++) expect(flat[c * 6 + h * 3 + w]).toBe((h * 3 + w) * 2 + c);
  });

  it('inverts exactly with the autodiff log-det', () => {
    const { ms } = twoLevel();
    const asTransform = {
      forward: (v: tf.Tensor) => {
        const r = ms.forward(v);
        return { y: r.z, logabsdet: r.logabsdet };
      },
      inverse: (v: tf.Tensor) => ms.inverse(v),
    };
    expectBijection(asTransform, randomTensor([2, 4, 4, 1], 2), { jacobianSamples: 2 });
  });
});
