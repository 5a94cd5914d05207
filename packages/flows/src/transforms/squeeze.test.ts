import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nchwToNhwc, nhwcToNchw } from '../layout.js';
import { expectBijection, randomTensor, useCpuBackend } from '../test-helpers.js';
import { SqueezeTransform } from './squeeze.js';

beforeAll(useCpuBackend);

describe('SqueezeTransform', () => {
  it('puts input (c, h·f+i, w·f+j) at output channel c·f² + i·f + j (reference NCHW order)', () => {
    const [b, c, h, w, f] = [2, 3, 6, 4, 2];
    const nchw = tf.range(0, b * c * h * w).reshape([b, c, h, w]);
    const y = new SqueezeTransform(f).forward(nchwToNhwc(nchw)).y;
    const out = nhwcToNchw(y).arraySync() as number[][][][];
    const inp = nchw.arraySync() as number[][][][];
    expect(y.shape).toEqual([b, h / f, w / f, c * f * f]);
    for (let n = 0; n < b; n++)
      for (let cc = 0; cc < c; cc++)
        for (let i = 0; i < f; i++)
          for (let j = 0; j < f; j++)
            for (let hh = 0; hh < h / f; hh++)
              for (let ww = 0; ww < w / f; ww++) {
                expect(out[n]![cc * f * f + i * f + j]![hh]![ww]).toBe(inp[n]![cc]![hh * f + i]![ww * f + j]);
              }
  });

  it('squeezes 4×7×7 by 7 into 196×1×1 and back exactly, log-det 0', () => {
    const x = randomTensor([2, 7, 7, 4], 3);
    const t = new SqueezeTransform(7);
    const { y, logabsdet } = t.forward(x);
    expect(y.shape).toEqual([2, 1, 1, 196]);
    expect(Array.from(logabsdet.dataSync())).toEqual([0, 0]);
    expect(t.inverse(y).x.arraySync()).toEqual(x.arraySync());
    expectBijection(t, tf.slice(x, 0, 1));
  });

  it('rejects sizes the factor does not divide', () => {
    expect(() => new SqueezeTransform(2).forward(tf.zeros([1, 3, 4, 1]))).toThrow(/divisible/);
  });
});
