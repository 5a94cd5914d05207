// The U-Net on the wasm backend (activated through @dgm-ood/engine, which installs the project's conv gradient
// kernels, including the strided Conv2DBackpropInput the downsamplers need): the PyTorch parity fixture, and
// values and gradients (input and every parameter) agreeing with the cpu backend.
import { activateBackend, relativeError } from '@dgm-ood/engine';
import { Rng } from '@dgm-ood/engine/rng';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTorchStateDict } from './load-torch-state-dict.js';
import { TINY_SPEC } from './test-specs.js';
import { readTorchUNetFixture } from './torch-fixture.js';
import { UNet2D } from './unet2d.js';

beforeAll(async () => {
  tf.enableProdMode();
  await activateBackend('cpu');
  await activateBackend('wasm');
});

/** Output, input gradient and all parameter gradients (in name order) of Σ r ⊙ UNet(x, t), on one backend. */
async function run(backend: 'cpu' | 'wasm') {
  await tf.setBackend(backend);
  const net = new UNet2D(TINY_SPEC, { seed: 3 });
  const rng = new Rng(11);
  const x = tf.tensor4d(rng.fillNormal(new Float32Array(128)) as Float32Array, [2, 8, 8, 1]);
  const r = tf.tensor4d(rng.fillNormal(new Float32Array(128)) as Float32Array, [2, 8, 8, 1]);
  const t = tf.tensor1d([0.2, 0.7]);
  const objective = (input: tf.Tensor4D): tf.Scalar => tf.sum(tf.mul(net.apply(input, t), r));
  const y = await net.apply(x, t).data();
  const gx = await tf.grad(objective as (v: tf.Tensor) => tf.Tensor)(x).data();
  const { grads, value } = tf.variableGrads(() => objective(x));
  const gp: number[] = [];
  for (const [, p] of net.namedParameters()) gp.push(...(await grads[p.name]!.data()));
  tf.dispose([x, r, t, value, ...Object.values(grads)]);
  net.dispose();
  return { y, gx, gp };
}

describe('UNet2D on wasm', () => {
  it('gives the PyTorch twin output for the fixture weights', async () => {
    await tf.setBackend('wasm');
    const fx = readTorchUNetFixture();
    const net = new UNet2D(fx.spec);
    loadTorchStateDict(net, fx.stateDict);
    const y = await net.apply(tf.tensor4d(fx.x.values, fx.x.shape), tf.tensor1d(fx.t)).data();
    expect(relativeError(fx.output.values, y)).toBeLessThan(1e-4);
    net.dispose();
  });

  it('agrees with cpu in value and in gradients w.r.t. the input and every parameter', async () => {
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(relativeError(cpu.y, wasm.y)).toBeLessThan(1e-4);
    expect(relativeError(cpu.gx, wasm.gx)).toBeLessThan(1e-4);
    expect(relativeError(cpu.gp, wasm.gp)).toBeLessThan(1e-4);
  });
});
