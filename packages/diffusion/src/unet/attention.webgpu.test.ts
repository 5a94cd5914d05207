// Spatial attention on the software WebGPU adapter: with the engine's kernels its q, k, v come from one product,
// one transpose to heads and one split (a single head: no transpose); values and gradients agree with cpu, which
// takes the three-product path.
import { Rng } from '@dgm-ood/engine/rng';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { SpatialAttention } from './attention.js';
import { expectAgreement, valuesAndGradients, withCpuAndSoftwareWebGpu, withForwardDispatches } from './backend-parity.js';

withCpuAndSoftwareWebGpu();

/** valuesAndGradients of one attention layer (16 channels, heads of width headDim) on `backend`. */
async function attentionOn(backend: string, headDim: number, afterForward: () => void = () => undefined) {
  await tf.setBackend(backend);
  const attention = new SpatialAttention(16, headDim, 4, 1e-5, new Rng(5));
  const rng = new Rng(17);
  const shape: [number, number, number, number] = [2, 4, 5, 16];
  const x = tf.tensor4d(rng.fillNormal(new Float32Array(640)) as Float32Array, shape);
  const r = tf.tensor4d(rng.fillNormal(new Float32Array(640)) as Float32Array, shape);
  try {
    return await valuesAndGradients(attention, (input) => attention.apply(input), x, r, afterForward);
  } finally {
    tf.dispose([x, r]);
    attention.dispose();
  }
}

describe('SpatialAttention on webgpu (engine kernels on)', () => {
  for (const [headDim, label] of [[4, '4 heads'], [16, 'one head']] as const) {
    it(`${label}: q, k, v from one product and one split, values and gradients as on cpu`, async () => {
      const cpu = await attentionOn('cpu', headDim);
      const { result: gpu, forwardDispatches: count } = await withForwardDispatches((afterForward) => attentionOn('webgpu', headDim, afterForward));
      expectAgreement(cpu, gpu);
      expect(count('_FusedMatMul/')).toBe(2); // q, k, v together; the output projection
      expect(count('SplitV/dgmSplit')).toBe(1);
      expect(count('Transpose/')).toBe(headDim === 16 ? 0 : 2); // to heads once for all three, and back
    });
  }
});
