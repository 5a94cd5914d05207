import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectBijection, randomTensor, useCpuBackend } from '../test-helpers.js';
import { LogitTransform } from './logit.js';

beforeAll(useCpuBackend);

describe('LogitTransform', () => {
  it('matches the reference formulas at known points', () => {
    const t = new LogitTransform();
    const x = tf.tensor4d([0, 0.5, 1, 0.25], [1, 2, 2, 1]);
    const { y, logabsdet } = t.forward(x);
    const a = 0.05;
    const eps = 1e-6;
    const expected = [0, 0.5, 1, 0.25].map((v) => {
      const p = a + (1 - a) * v;
      return { y: Math.log(p / (1 - p + eps)), ld: Math.log(1 - a) - Math.log(1 - p + eps) - Math.log(p + eps) };
    });
    const yv = y.dataSync();
    expected.forEach((e, i) => expect(yv[i]).toBeCloseTo(e.y, 5));
    expect(logabsdet.dataSync()[0]).toBeCloseTo(expected.reduce((s, e) => s + e.ld, 0), 4);
  });

  it('is inverted exactly and its log-det matches autodiff', () => {
    const x = randomTensor([3, 3, 3, 2], 1, { lo: 0, hi: 1 });
    expectBijection(new LogitTransform(), x, { jacobianSamples: 2 });
  });

  it('keeps the upstream inverse as a parity flag: σ(y) = p instead of x', () => {
    const t = new LogitTransform({ upstreamInverseQuirk: true });
    const x = tf.tensor4d([0, 1], [1, 1, 2, 1]);
    const back = t.inverse(t.forward(x).y).x.dataSync();
    // p = α + (1−α)x: 0 → 0.05, 1 → 1 (up to ε)
    expect(back[0]).toBeCloseTo(0.05, 5);
    expect(back[1]).toBeCloseTo(1, 5);
  });

  it('rejects alpha outside (eps, 1)', () => {
    expect(() => new LogitTransform({ alpha: 0 })).toThrow(/alpha/);
  });
});
