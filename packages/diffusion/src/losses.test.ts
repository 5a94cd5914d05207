// Closed form: for Gaussian data the ε-loss is minimised by the exact network, and its expected minimum is
// E_t Σ_k ψ²λ_k/(ψ²λ_k + σ²).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { denoisingLoss, denoisingLossPerExample } from './losses.js';
import type { ScoreNetwork } from './score-network.js';
import { VeSde, VpSde, type Sde } from './sde/index.js';
import { analyticScoreNetwork, expectedOptimalEpsilonLoss, gaussianData, sampleGaussianData } from './testing/gaussian-score.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const lambda = Array.from({ length: 16 }, (_, i) => (i < 12 ? 0.05 + 0.05 * i : 0));

describe.each<[string, () => Sde]>([
  ['VP', () => new VpSde(0.1, 20)],
  ['VE (g ±10)', () => new VeSde(-10, 10)],
])('ε-matching loss, %s', (_name, makeSde) => {
  const sde = makeSde();
  const g = gaussianData([4, 4, 1], lambda, 21);
  const exact = analyticScoreNetwork(sde, g);

  it('the exact network attains the closed-form expected minimum (within 3 standard errors)', async () => {
    const n = 8000;
    const x = sampleGaussianData(g, n, 5);
    const per = denoisingLossPerExample(sde, exact, x, { seed: 77 });
    const v = (await per.data()) as Float32Array;
    const mean = v.reduce((s, a) => s + a, 0) / n;
    const sd = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - expectedOptimalEpsilonLoss(sde, g))).toBeLessThan((3 * sd) / Math.sqrt(n));
    tf.dispose([x, per]);
  });

  it('any perturbation of the exact network has a higher loss on the same draws', async () => {
    const x = sampleGaussianData(g, 4000, 6);
    const loss = (net: ScoreNetwork) => {
      const l = denoisingLoss(sde, net, x, { seed: 78 });
      const value = l.arraySync();
      l.dispose();
      return value;
    };
    const best = loss(exact);
    const bias = tf.randomNormal([1, 4, 4, 1], 0, 0.1, 'float32', 3);
    const variants: ScoreNetwork[] = [
      { apply: (y, t) => tf.tidy(() => tf.mul(exact.apply(y, t), 0.9)) as tf.Tensor4D },
      { apply: (y, t) => tf.tidy(() => tf.mul(exact.apply(y, t), 1.1)) as tf.Tensor4D },
      { apply: (y, t) => tf.tidy(() => tf.add(exact.apply(y, t), bias)) as tf.Tensor4D },
    ];
    for (const v of variants) expect(loss(v)).toBeGreaterThan(best);
    tf.dispose([x, bias]);
  });
});

describe('custom weighted loss (the CCLR scheme)', () => {
  it('is Σ|ŝ + ε|^q / σ^q · w(t): L2 with w = 1 is the ε-loss divided by σ²(t) per example', async () => {
    const sde = new VpSde();
    const g = gaussianData([4, 4, 1], lambda, 21);
    const net = analyticScoreNetwork(sde, g);
    const x = sampleGaussianData(g, 64, 1);
    const eps = denoisingLossPerExample(sde, net, x, { seed: 5 });
    const custom = denoisingLossPerExample(sde, net, x, { seed: 5, scheme: { type: 'custom', distance: 'l2', weight: (t) => tf.onesLike(t) } });
    // The same seed draws the same t: recover σ²(t) from the VP kernel by drawing t the same way.
    const t = tf.randomUniform([64], 0, 1, 'float32', (await import('@dgm-ood/engine/rng')).deriveSeed(5, 1)) as tf.Tensor1D;
    const sigma2 = tf.square(sde.sigmaAt(t));
    const ratio = tf.div(tf.mul(custom, sigma2), eps);
    expect(tf.max(tf.abs(tf.sub(ratio, 1))).arraySync()).toBeLessThan(1e-4);
    const l1 = denoisingLossPerExample(sde, net, x, { seed: 5, scheme: { type: 'custom', distance: 'l1', weight: (tt) => tf.add(tt, 0.5) } });
    expect((await l1.data()).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    tf.dispose([x, eps, custom, t, sigma2, ratio, l1]);
  });

  it('refuses a time window outside [0, T]', () => {
    const sde = new VpSde();
    const g = gaussianData([4, 4, 1], lambda, 21);
    const x = sampleGaussianData(g, 2, 1);
    expect(() => denoisingLoss(sde, analyticScoreNetwork(sde, g), x, { seed: 1, tMax: 2 })).toThrow(/need 0 ≤ tMin < tMax ≤ T/);
    x.dispose();
  });
});
