import * as tf from '@tensorflow/tfjs';
import { Rng } from '@dgm-ood/engine/rng';
import { beforeAll, describe, expect, it } from 'vitest';
import { Conv2d } from './layers.js';
import { upsampleNearest2x, upsampleNearestConv } from './upsample.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('upsampleNearestConv', () => {
  it('equals the 3×3 conv of the nearest-neighbour ×2 upsampling, in value and in gradients', async () => {
    const rng = new Rng(4);
    const conv = new Conv2d(3, 5, 3, rng);
    const x = tf.tensor4d(rng.fillNormal(new Float32Array(2 * 3 * 4 * 3)) as Float32Array, [2, 3, 4, 3]);
    const r = tf.tensor4d(rng.fillNormal(new Float32Array(2 * 6 * 8 * 5)) as Float32Array, [2, 6, 8, 5]);
    const fast = upsampleNearestConv(x, conv);
    const slow = conv.apply(upsampleNearest2x(x));
    expect(fast.shape).toEqual([2, 6, 8, 5]);
    const close = async (a: tf.Tensor, b: tf.Tensor) => {
      const [av, bv] = [await a.data(), await b.data()];
      const scale = Math.max(...bv.map(Math.abs));
      expect(Math.max(...av.map((v, i) => Math.abs(v - bv[i]!)))).toBeLessThan(1e-5 * scale);
    };
    await close(fast, slow);
    const grads = (f: (x: tf.Tensor4D) => tf.Tensor4D) => tf.variableGrads(() => tf.sum(tf.mul(f(x), r)), [conv.weight, conv.bias]).grads;
    const gf = grads((v) => upsampleNearestConv(v, conv));
    const gs = grads((v) => conv.apply(upsampleNearest2x(v)));
    for (const k of Object.keys(gs)) await close(gf[k]!, gs[k]!);
    await close(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(upsampleNearestConv(v as tf.Tensor4D, conv), r)))(x), tf.grad((v: tf.Tensor) => tf.sum(tf.mul(conv.apply(upsampleNearest2x(v as tf.Tensor4D)), r)))(x));
    conv.dispose();
  });
});
