// The U-Net on the software WebGPU adapter with the engine's own kernels: the PyTorch parity fixture, values and
// gradients (input and every parameter) agreeing with the cpu backend, and every conv and linear layer's bias added in
// its product's own dispatch (tfjs's fused conv2d and matMul, run by the engine's GEMM where the output is large).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { expectAgreement, tinyUNetValuesAndGradients, torchFixtureError, withCpuAndSoftwareWebGpu, withForwardDispatches } from './backend-parity.js';

withCpuAndSoftwareWebGpu();

describe('UNet2D on webgpu (software adapter, engine kernels on)', () => {
  it('gives the PyTorch twin output for the fixture weights', async () => {
    await tf.setBackend('webgpu');
    expect(await torchFixtureError()).toBeLessThan(1e-4);
  });

  it('agrees with cpu in value and in gradients w.r.t. the input and every parameter; biases ride in the products', async () => {
    const cpu = await tinyUNetValuesAndGradients('cpu');
    const { result: gpu, forwardDispatches: dispatches } = await withForwardDispatches((afterForward) => tinyUNetValuesAndGradients('webgpu', afterForward));
    expectAgreement(cpu, gpu);
    // TINY_SPEC's forward: conv_in, 2 per resnet (7 resnets), a strided downsampler, conv_out — 3×3 convs with their
    // bias fused; the time MLP, the time projections and attention's q, k, v, out are fused products.
    expect(dispatches('FusedConv2D/')).toBeGreaterThanOrEqual(17);
    // The one plain conv is the upsampler's (its four phases' bias is added after they are interleaved).
    expect(dispatches('Conv2D/')).toBe(2); // im2col + its product
    expect(dispatches('_FusedMatMul/')).toBeGreaterThanOrEqual(3);
  });
});
