import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { degradationTimes, degradeDenoise } from './degrade-denoise.js';
import { VpSde } from './sde/vp-sde.js';
import { analyticScoreNetwork, gaussianData } from './testing/gaussian-score.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('degrade and denoise', () => {
  const sde = new VpSde();
  // Data concentrated near one point μ (std 0.03; an exact point mass would make Euler–Maruyama stiff near t = ε): the
  // exact denoiser brings every degraded copy back to within a few std of it.
  const g = gaussianData([2, 2, 1], [1e-3, 1e-3, 1e-3, 1e-3], 8);
  const net = analyticScoreNetwork(sde, g);
  const x = tf.tensor4d(Float32Array.from(g.mean), [1, 2, 2, 1]);

  it('levels at T·(i/N)^γ', () => {
    expect(degradationTimes(sde, 4, 1)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(degradationTimes(sde, 2, 2)).toEqual([0.25, 1]);
  });

  it('with the exact denoiser of concentrated data, every level reconstructs the point; the same seed the same result', async () => {
    const times = degradationTimes(sde, 4, 1);
    const recon = await degradeDenoise(sde, net, x, { times, steps: 20, seed: 3 });
    expect(recon.shape).toEqual([4, 2, 2, 1]);
    const values = await recon.data();
    for (let level = 0; level < 4; level++) for (let i = 0; i < 4; i++) expect(Math.abs(values[level * 4 + i]! - g.mean[i]!)).toBeLessThan(0.15);
    const again = await degradeDenoise(sde, net, x, { times, steps: 20, seed: 3 });
    expect(Array.from(await again.data())).toEqual(Array.from(values));
    tf.dispose([recon, again]);
  });

  it('refuses times out of order or range and too few steps', async () => {
    await expect(degradeDenoise(sde, net, x, { times: [0.5, 0.25], steps: 4, seed: 1 })).rejects.toThrow(/times must increase/);
    await expect(degradeDenoise(sde, net, x, { times: [0.5, 1.5], steps: 4, seed: 1 })).rejects.toThrow(/times must increase within/);
    await expect(degradeDenoise(sde, net, x, { times: [0.5], steps: 1, seed: 1 })).rejects.toThrow(/steps must be an integer ≥ 2/);
  });
});
