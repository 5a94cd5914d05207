import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { perturbParameters } from '../testing.js';
import { expectBijection, randomTensor, useCpuBackend } from '../test-helpers.js';
import { ActNorm } from './actnorm.js';

beforeAll(useCpuBackend);

describe('ActNorm', () => {
  it('is the identity until initialised, and eval mode does not initialise', () => {
    const a = new ActNorm(3);
    const x = randomTensor([2, 4, 4, 3], 1, { std: 3, mean: 2 });
    const { y, logabsdet } = a.forward(x);
    expect(a.initialized).toBe(false);
    expect(y.arraySync()).toEqual(x.arraySync());
    expect(Array.from(logabsdet.dataSync())).toEqual([0, 0]);
  });

  it('initialises from the first training batch: per-channel zero mean, unbiased unit std over all pixels', () => {
    const a = new ActNorm(3);
    const x = randomTensor([4, 5, 5, 3], 2, { std: 3, mean: 2 });
    const { y, logabsdet } = a.forward(x, { training: true });
    expect(a.initialized).toBe(true);
    const flat = y.reshape([-1, 3]);
    const n = flat.shape[0]!;
    const mean = flat.mean(0).dataSync();
    const varUnbiased = flat.sub(flat.mean(0)).square().sum(0).div(n - 1).dataSync();
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(mean[c]!)).toBeLessThan(1e-5);
      expect(varUnbiased[c]).toBeCloseTo(1, 5);
    }
    // log|det| = H·W·Σ s_c with s_c = −ln std_c
    const s = a.logScale.dataSync();
    expect(logabsdet.dataSync()[0]).toBeCloseTo(25 * (s[0]! + s[1]! + s[2]!), 4);
    // A second training batch does not re-initialise.
    const before = Array.from(a.shift.dataSync());
    a.forward(randomTensor([4, 5, 5, 3], 3), { training: true });
    expect(Array.from(a.shift.dataSync())).toEqual(before);
  });

  it('saves and restores the initialized flag', () => {
    const a = new ActNorm(2);
    a.forward(randomTensor([2, 3, 3, 2], 4), { training: true });
    const b = new ActNorm(2);
    b.loadStateDict(a.stateDict());
    expect(b.initialized).toBe(true);
    expect(a.stateDict()).toEqual({ initialized: true });
  });

  it('is inverted exactly with the autodiff log-det at random weights', () => {
    const a = new ActNorm(4);
    perturbParameters(a, 5, 0.5);
    expectBijection(a, randomTensor([2, 3, 3, 4], 6), { jacobianSamples: 2 });
  });
});
