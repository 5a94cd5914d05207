import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logAbsDet } from '../linalg64.js';
import { perturbParameters } from '../testing.js';
import { expectBijection, maxAbsDiff, randomTensor, useCpuBackend } from '../test-helpers.js';
import { OneByOneConvolution } from './one-by-one-conv.js';

beforeAll(useCpuBackend);

describe('OneByOneConvolution', () => {
  it('at identity init it is exactly the seeded channel permutation y_i = x_perm[i], log-det 0', () => {
    const conv = new OneByOneConvolution(5, { seed: 7 });
    const perm = conv.getPermutation();
    expect(Array.from(perm).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(new OneByOneConvolution(5, { seed: 7 }).getPermutation())).toEqual(Array.from(perm));
    const x = randomTensor([2, 3, 3, 5], 1);
    const { y, logabsdet } = conv.forward(x);
    const xs = x.arraySync() as number[][][][];
    const ys = y.arraySync() as number[][][][];
    for (let i = 0; i < 5; i++) expect(ys[1]![2]![0]![i]).toBeCloseTo(xs[1]![2]![0]![perm[i]!]!, 6);
    expect(Math.abs(logabsdet.dataSync()[0]!)).toBeLessThan(1e-5);
  });

  it('log-det is H·W·Σ ln(diag U) and equals log|det| of its matrix', () => {
    const conv = new OneByOneConvolution(6, { seed: 2 });
    perturbParameters(conv, 3, 0.4);
    const m = conv.weightMatrix().dataSync();
    const { logabsdet } = conv.forward(tf.zeros([1, 2, 3, 6]));
    expect(logabsdet.dataSync()[0]).toBeCloseTo(6 * logAbsDet(Array.from(m), 6).logAbsDet, 4);
  });

  it('is inverted exactly with the autodiff log-det at random weights', () => {
    const conv = new OneByOneConvolution(4, { seed: 9 });
    perturbParameters(conv, 4, 0.4);
    expectBijection(conv, randomTensor([2, 3, 3, 4], 5), { jacobianSamples: 2 });
  });

  it('refreshes its cached inverse when the weights change', () => {
    const conv = new OneByOneConvolution(3, { seed: 1 });
    const x = randomTensor([1, 2, 2, 3], 2);
    conv.inverse(x);
    perturbParameters(conv, 6, 0.5);
    expect(maxAbsDiff(conv.inverse(conv.forward(x).y).x, x)).toBeLessThan(1e-5);
  });

  it('stores the permutation in its state and restores it', () => {
    const a = new OneByOneConvolution(4, { seed: 1 });
    const b = new OneByOneConvolution(4, { seed: 2 });
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.getPermutation())).toEqual(Array.from(a.getPermutation()));
    expect(() => b.loadStateDict({ permutation: [0, 0, 1, 2] })).toThrow(/permutation/);
  });
});
