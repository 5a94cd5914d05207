import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFlowModel, multiscaleFlowSpec, perturbParameters, scaleCouplingOutputs } from './index.js';
import { thresholdLid } from '@dgm-ood/lid';
import { flowJacobianSpectrum, type SpectrumTiming } from './lid-spectrum.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

describe('exact flow LID spectrum', () => {
  it('the layered decoder Jacobian gives the autodiff spectrum (tiny RQ-NSF on 1×8×8)', async () => {
    const model = buildFlowModel(
      multiscaleFlowSpec({
        dataShape: [1, 8, 8],
        coupling: 'rq-spline',
        numBins: 3,
        levels: [
          { squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true },
          { squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true },
          { squeeze: 2, blocks: 1, hiddenChannels: 6, conv1x1InBlocks: false },
        ],
        seed: 2,
      }),
    );
    perturbParameters(model, 9, 0.05);
    scaleCouplingOutputs(model, 0.3);
    await model.prepareInverse();
    const image = tf.tensor4d(Float32Array.from({ length: 64 }, (_, i) => (i * 37) % 256), [1, 8, 8, 1]);
    const timing: SpectrumTiming = { jacobianMs: 0, eigenMs: 0 };
    const layered = await flowJacobianSpectrum(model, image, 5, timing);
    const autodiff = await flowJacobianSpectrum(model, image, 5, undefined, 'autodiff');
    expect(layered.length).toBe(64);
    const top = autodiff[63]!;
    for (let i = 0; i < 64; i++) expect(Math.abs(layered[i]! - autodiff[i]!)).toBeLessThanOrEqual(1e-5 * top);
    // A threshold at the geometric mean of two well-separated eigenvalues (this seeded model's gaps at
    // 8, 32, 56 are) counts the eigenvalues above it, 63 − i, on both spectra.
    for (const i of [8, 32, 56]) {
      expect(autodiff[i + 1]! / autodiff[i]!).toBeGreaterThan(1.01);
      const scale = 0.25 * Math.log(autodiff[i]! * autodiff[i + 1]!);
      expect(thresholdLid(autodiff, scale)).toBe(63 - i);
      expect(thresholdLid(layered, scale)).toBe(63 - i);
    }
    expect(timing.jacobianMs).toBeGreaterThan(0);
    // A different dequantization seed moves the point, and so the spectrum.
    const other = await flowJacobianSpectrum(model, image, 6);
    expect(other.some((v, i) => Math.abs(v - layered[i]!) > 1e-6 * top)).toBe(true);
    image.dispose();
    model.dispose();
  });
});
