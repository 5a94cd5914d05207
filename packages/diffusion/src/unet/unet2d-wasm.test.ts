// The U-Net on the wasm backend (activated through @dgm-ood/engine, which installs the project's conv gradient
// kernels, including the strided Conv2DBackpropInput the downsamplers need): the PyTorch parity fixture, and
// values and gradients (input and every parameter) agreeing with the cpu backend.
import { activateBackend } from '@dgm-ood/engine';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectAgreement, tinyUNetValuesAndGradients, torchFixtureError } from './backend-parity.js';

beforeAll(async () => {
  tf.enableProdMode();
  await activateBackend('cpu');
  await activateBackend('wasm');
});

describe('UNet2D on wasm', () => {
  it('gives the PyTorch twin output for the fixture weights', async () => {
    await tf.setBackend('wasm');
    expect(await torchFixtureError()).toBeLessThan(1e-4);
  });

  it('agrees with cpu in value and in gradients w.r.t. the input and every parameter', async () => {
    const cpu = await tinyUNetValuesAndGradients('cpu');
    const wasm = await tinyUNetValuesAndGradients('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expectAgreement(cpu, wasm);
  });
});
