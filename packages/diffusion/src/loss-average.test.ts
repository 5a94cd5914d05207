/**
 * Goodier et al.'s L_φ against its closed form. With Gaussian data N(μ, s²I) and the exact network, the residual of
 * one draw is, per dimension, r = ŝ + ε = ε·ψ²s²/v − σψ(x̃ − μ)/v with v = ψ²s² + σ² (t fixed): a normal N(a, b²),
 * whose |r| has the folded-normal mean b√(2/π)·e^{−a²/2b²} + a·(1 − 2Φ(−a/b)). Given the draws' times (copy m's
 * first uniform), E[L_φ | t] and its standard error are exact; the estimate must lie within 3 of them.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed, Rng } from '@dgm-ood/engine/rng';
import { averageDenoisingLoss } from './loss-average.js';
import { VpSde } from './sde/vp-sde.js';
import { analyticScoreNetwork, gaussianData } from './testing/gaussian-score.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const erf = (x: number): number => {
  // Numerical Recipes' erfc approximation (relative error < 1.2e-7).
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const y = 1 - t * Math.exp(-x * x - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? y : -y;
};
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

describe('average denoising loss L_φ', () => {
  const sde = new VpSde();
  const s2 = 0.3;
  const g = gaussianData([2, 2, 1], [s2, s2, s2, s2], 4);
  const net = analyticScoreNetwork(sde, g);
  const transform = { dequantize: false, dataMin: 0, dataMax: 255, clampSamples: false };
  const pixels = [0, 64, 128, 255];
  const xt = pixels.map((p) => (2 * p) / 255 - 1);

  it('equals E[L_φ | the draws’ times] within 3 standard errors, for the exact network of Gaussian data', async () => {
    const [fraction, draws, seed] = [0.5, 3000, 21];
    const value = await averageDenoisingLoss(sde, net, transform, pixels, [2, 2, 1], seed, { fraction, draws, chunkRows: 512 });
    let mean = 0;
    let variance = 0;
    for (let m = 0; m < draws; m++) {
      const t = fraction * sde.T * (1 - new Rng(deriveSeed(seed, m)).uniform());
      const [psi, sigma] = [sde.psi(t), sde.sigma(t)];
      const v = psi * psi * s2 + sigma * sigma;
      const w = (t + 0.5) / sigma;
      for (let i = 0; i < 4; i++) {
        const a = (-sigma * psi * (xt[i]! - g.mean[i]!)) / v;
        const b = (psi * psi * s2) / v;
        const folded = b * Math.sqrt(2 / Math.PI) * Math.exp((-a * a) / (2 * b * b)) + a * (1 - 2 * Phi(-a / b));
        mean += w * folded;
        variance += w * w * (a * a + b * b - folded * folded);
      }
    }
    mean /= draws;
    const se = Math.sqrt(variance) / draws;
    expect(se / mean).toBeLessThan(0.02);
    expect(Math.abs(value - mean)).toBeLessThan(3 * se);
  });

  it('does not depend on how many copies share a pass; another seed draws other copies', async () => {
    const opts = { fraction: 0.25, draws: 50 };
    const whole = await averageDenoisingLoss(sde, net, transform, pixels, [2, 2, 1], 5, { ...opts, chunkRows: 50 });
    const pieces = await averageDenoisingLoss(sde, net, transform, pixels, [2, 2, 1], 5, { ...opts, chunkRows: 7 });
    const other = await averageDenoisingLoss(sde, net, transform, pixels, [2, 2, 1], 6, { ...opts, chunkRows: 7 });
    expect(pieces).toBeCloseTo(whole, 4);
    expect(Math.abs(other - whole)).toBeGreaterThan(1e-3);
  });

  it('refuses φ outside (0, 1] and a non-integer number of draws', async () => {
    await expect(averageDenoisingLoss(sde, net, transform, pixels, [2, 2, 1], 1, { fraction: 0, draws: 4, chunkRows: 4 })).rejects.toThrow(/φ must lie in \(0, 1\]/);
    await expect(averageDenoisingLoss(sde, net, transform, pixels, [2, 2, 1], 1, { fraction: 0.5, draws: 2.5, chunkRows: 4 })).rejects.toThrow(/draws must be a positive integer/);
  });
});
