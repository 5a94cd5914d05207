// Closed form: sampling with the exact score of Gaussian data must reproduce the data's mean and covariance.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleDiffusion, type ReverseSolver } from './sampling.js';
import { VeSde, VpSde, type Sde } from './sde/index.js';
import { analyticScoreNetwork, gaussianData } from './testing/gaussian-score.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const D = 8;
const lambda = [0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0, 0]; // rank 6 of 8

function moments(values: Float32Array, n: number, d: number) {
  const mean = new Float64Array(d);
  for (let s = 0; s < n; s++) for (let i = 0; i < d; i++) mean[i]! += values[s * d + i]! / n;
  const cov = new Float64Array(d * d);
  for (let s = 0; s < n; s++)
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) cov[i * d + j]! += ((values[s * d + i]! - mean[i]!) * (values[s * d + j]! - mean[j]!)) / (n - 1);
  return { mean, cov };
}

const cases: Array<[string, () => Sde, ReverseSolver]> = [
  ['VP, Euler–Maruyama 500 steps', () => new VpSde(0.1, 20), { type: 'euler-maruyama', steps: 500 }],
  ['VE (g ±5), Euler–Maruyama 500 steps', () => new VeSde(-5, 5), { type: 'euler-maruyama', steps: 500 }],
  ['VP, probability-flow ODE, RK45', () => new VpSde(0.1, 20), { type: 'pf-ode-rk45', rtol: 1e-4, atol: 1e-4 }],
];

describe('reverse-time sampling with the exact score of Gaussian data (D = 8, rank 6)', () => {
  it.each(cases)('%s: sample mean and covariance match', async (_name, makeSde, solver) => {
    const sde = makeSde();
    const g = gaussianData([2, 2, 2], lambda, 9);
    const n = 4000;
    const x = await sampleDiffusion(sde, analyticScoreNetwork(sde, g), solver, { n, shape: [2, 2, 2], seed: 4, eps: 1e-3 });
    const { mean, cov } = moments((await x.data()) as Float32Array, n, D);
    x.dispose();
    // Target Σ = U diag(λ) Uᵀ; the samples are x_ε, whose covariance adds σ²(ε)·I (tiny) and whose mean is ψ(ε)μ.
    const eps = 1e-3;
    const psi = sde.psi(eps);
    let covErr = 0;
    let covNorm = 0;
    for (let i = 0; i < D; i++) {
      // Standard error of a mean: √(Σ_ii/n) ≤ 0.012 here; 5 standard errors plus the ε-shift.
      expect(Math.abs(mean[i]! - psi * g.mean[i]!)).toBeLessThan(5 * Math.sqrt(0.5 / n) + 1e-3);
      for (let j = 0; j < D; j++) {
        let want = 0;
        for (let k = 0; k < D; k++) want += g.basis[i * D + k]! * lambda[k]! * g.basis[j * D + k]!;
        want = psi * psi * want + (i === j ? sde.sigma(eps) ** 2 : 0);
        covErr += (cov[i * D + j]! - want) ** 2;
        covNorm += want ** 2;
      }
    }
    // Sampling error of a covariance at n = 4000 is about √(2/n) ≈ 2% relative; discretisation adds a little.
    expect(Math.sqrt(covErr / covNorm)).toBeLessThan(0.08);
  });

  it('a wrong score gives the wrong covariance (the check above can fail)', async () => {
    const sde = new VpSde(0.1, 20);
    const g = gaussianData([2, 2, 2], lambda, 9);
    const exact = analyticScoreNetwork(sde, g);
    const wrong = { apply: (x: tf.Tensor4D, t: tf.Tensor1D) => tf.tidy(() => tf.mul(exact.apply(x, t), 0.8)) as tf.Tensor4D };
    const x = await sampleDiffusion(sde, wrong, { type: 'euler-maruyama', steps: 200 }, { n: 2000, shape: [2, 2, 2], seed: 4, eps: 1e-3 });
    const { cov } = moments((await x.data()) as Float32Array, 2000, D);
    x.dispose();
    const trace = Array.from({ length: D }, (_, i) => cov[i * D + i]!).reduce((a, b) => a + b, 0);
    expect(Math.abs(trace - lambda.reduce((a, b) => a + b, 0))).toBeGreaterThan(0.1);
  });
});
