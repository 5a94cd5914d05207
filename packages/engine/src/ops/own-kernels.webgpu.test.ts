import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { OWN_WEBGPU_KERNELS_FLAG } from '../kernels/webgpu/own-kernels-flag.js';
import { installWebGpuCounters } from '../profiling/webgpu-counters.js';
import { activateSoftwareWebGpu } from '../testing/software-webgpu.js';
import { affineCouplingForward } from './affine-coupling.js';
import { relu, standardNormalLogProb } from './elementwise.js';
import { groupNorm, groupNormWithOffset } from './group-norm.js';
import { rationalQuadraticSplinePacked } from './rq-spline-packed.js';

// The gradient-check suite proves these ops right on webgpu; this proves it was our kernels that ran there (and
// that switching them off gives stock tfjs-webgpu).
let reason = '';
beforeAll(async () => {
  tf.enableProdMode();
  reason = (await activateSoftwareWebGpu()).reason;
});

it("the backend's reason (the worker's `tfjs backend selected` line) says the engine's kernels are on", () => {
  expect(reason).toMatch(/the engine's own WebGPU kernels on$/);
});
afterEach(() => tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true));

const draw = (shape: number[], seed: number) => tf.tidy(() => tf.sin(tf.add(tf.mul(tf.range(0, shape.reduce((a, b) => a * b, 1)), 1.7), seed)).reshape(shape));

/** Our kernels' dispatches (by name) in the forward and backward pass of Σ f(inputs)·r. */
async function ownDispatches(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): Promise<Record<string, number>> {
  const counter = installWebGpuCounters();
  try {
    const grads = tf.grads((...xs: tf.Tensor[]) => {
      const y = f(...xs);
      return tf.sum(tf.mul(y, draw(y.shape, 9)));
    })(inputs);
    await Promise.all(grads.map((g) => g.data()));
    tf.dispose(grads);
    return Object.fromEntries(Object.entries(counter.snapshot().byProgram).filter(([k]) => k.includes('Dgm') || k.includes('dgm')));
  } finally {
    counter.uninstall();
  }
}

it('GroupNorm + SiLU: one dispatch forward, two backward', async () => {
  const [x, g, b] = [draw([2, 4, 4, 8], 1), tf.ones([8]), tf.zeros([8])];
  const op = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => groupNorm(xx as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, { groups: 4, eps: 1e-5, activation: 'silu' });
  expect(await ownDispatches(op, [x, g, b])).toEqual({ 'DgmGroupNorm/forward': 1, 'DgmGroupNorm/backwardInput': 1, 'DgmGroupNorm/backwardAffine': 1 });
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  expect(await ownDispatches(op, [x, g, b])).toEqual({});
  tf.dispose([x, g, b]);
});

it('GroupNorm + SiLU of x + offset: the same three dispatches (no add, no offset-gradient reduction); stock ops past a workgroup of channels per group', async () => {
  const op = (groups: number) => (xx: tf.Tensor, oo: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
    groupNormWithOffset(xx as tf.Tensor4D, oo as tf.Tensor2D, gg as tf.Tensor1D, bb as tf.Tensor1D, { groups, eps: 1e-5, activation: 'silu' });
  const [x, o, g, b, r] = [draw([2, 4, 4, 8], 1), draw([2, 8], 2), tf.ones([8]), tf.zeros([8]), draw([2, 4, 4, 8], 9)];
  await r.data();
  const counter = installWebGpuCounters();
  try {
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(op(4)(...(xs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor])), r)))([x, o, g, b]);
    await Promise.all(grads.map((t) => t.data()));
    const programs = counter.snapshot().byProgram;
    expect(programs).toMatchObject({ 'DgmGroupNorm/forward': 1, 'DgmGroupNorm/backwardInput': 1, 'DgmGroupNorm/backwardAffine': 1 });
    // The only add or sum is the loss's own Σ.
    expect(Object.entries(programs).filter(([k]) => k.startsWith('Add/') || k.startsWith('Sum/'))).toEqual([['Sum/reduce', 1]]);
    tf.dispose(grads);
  } finally {
    counter.uninstall();
  }
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  expect(await ownDispatches(op(4), [x, o, g, b])).toEqual({});
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true);
  // 3 channels per group (not a power of two): the add, then the fused GroupNorm of the sum.
  const [x3, o3, g3, b3] = [draw([2, 4, 4, 6], 3), draw([2, 6], 4), tf.ones([6]), tf.zeros([6])];
  expect(await ownDispatches(op(2), [x3, o3, g3, b3])).toEqual({ 'DgmGroupNorm/forward': 1, 'DgmGroupNorm/backwardInput': 1, 'DgmGroupNorm/backwardAffine': 1 });
  expect(() => op(4)(x, tf.zeros([2, 4]), g, b)).toThrow(/offset must be \[2, 8\] \(one value per sample and channel\), got \[2, 4\]/);
  tf.dispose([x, o, g, b, r, x3, o3, g3, b3]);
});

it('affine coupling: one dispatch forward, one backward', async () => {
  const [x, s, r] = [draw([2, 3, 3, 2], 1), draw([2, 3, 3, 2], 2), draw([2, 3, 3, 2], 3)];
  const op = (a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor) => {
    const { y, logabsdet } = affineCouplingForward(a, bb, c);
    return tf.add(tf.sum(y), tf.sum(logabsdet));
  };
  expect(await ownDispatches(op, [x, s, r])).toEqual({ 'DgmAffineCoupling/forward': 1, 'DgmAffineCoupling/backward': 1 });
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  expect(await ownDispatches(op, [x, s, r])).toEqual({});
  tf.dispose([x, s, r]);
});

it("conv2d's filter gradient is our GEMM, however small (its input gradient, too small for ours, tfjs's tiled one)", async () => {
  const [x, w] = [draw([2, 6, 6, 8], 1), draw([3, 3, 8, 40], 2)];
  const op = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same');
  expect(await ownDispatches(op, [x, w])).toEqual({ 'Conv2DBackpropFilter/dgmGemm': 1 });
  const counter = installWebGpuCounters();
  try {
    const [dx] = tf.grads(op)([x, w]);
    await dx!.data();
    expect(Object.keys(counter.snapshot().byProgram)).toContain('Conv2DBackpropInput/conv2DDerInputMM');
  } finally {
    counter.uninstall();
  }
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  expect(await ownDispatches(op, [x, w])).toEqual({});
  tf.dispose([x, w]);
});

it('a small filter over a long k: the filter gradient split into slices, summed by one more dispatch', async () => {
  const [x, w] = [draw([2, 16, 16, 2], 1), draw([3, 3, 2, 3], 2)];
  const op = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same');
  expect(await ownDispatches(op, [x, w])).toEqual({ 'Conv2DBackpropFilter/dgmGemm': 1, 'Conv2DBackpropFilter/dgmSumSlices': 1 });
  tf.dispose([x, w]);
});

it('standard normal log-density and relu: one dispatch each way; bias gradients: one column sum', async () => {
  const z = draw([3, 40], 1);
  expect(await ownDispatches((a) => standardNormalLogProb(relu(a)), [z])).toEqual({
    'DgmNormalLogProb/forward': 1,
    'DgmNormalLogProb/backward': 1,
    'DgmRelu/backward': 1,
  });
  const x = draw([4, 5, 5, 3], 2);
  const bias = draw([3], 3);
  expect(await ownDispatches((a, b) => tf.add(a, b), [x, bias])).toEqual({ 'Sum/dgmColumnSum': 1 });
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  expect(await ownDispatches((a) => standardNormalLogProb(relu(a)), [z])).toEqual({});
  expect(await ownDispatches((a, b) => tf.add(a, b), [x, bias])).toEqual({});
  tf.dispose([z, x, bias]);
});

it('per-sample kernels take more samples than a dispatch dimension holds workgroups (65,535): batch 70,000', async () => {
  const batch = 70_000;
  const max = (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxComputeWorkgroupsPerDimension;
  expect(batch).toBeGreaterThan(max);
  const z = tf.tidy(() => tf.reshape(tf.mul(tf.sin(tf.range(0, 2 * batch)), 2), [batch, 2]));
  const params = tf.tidy(() => tf.reshape(tf.cos(tf.range(0, 10 * batch)), [batch, 10])); // K = 2: 5 per value
  const spline = { numBins: 2, inverse: false, tailBound: 1.5, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, binScale: 1 };
  const evaluate = () =>
    tf.tidy(() => ({
      normal: standardNormalLogProb(z),
      affine: affineCouplingForward(z, tf.mul(z, 0.5), tf.neg(z)).logabsdet,
      spline: rationalQuadraticSplinePacked(z, params, spline).logabsdet,
      // 32 groups of one channel: 2,200 samples × 32 = 70,400 workgroups.
      groupNorm: groupNorm(tf.reshape(tf.slice(tf.reshape(params, [-1]), 0, 2200 * 2 * 32), [2200, 1, 2, 32]) as tf.Tensor4D, tf.ones([32]), tf.zeros([32]), { groups: 32, eps: 1e-5, activation: 'silu' }),
    }));
  const fused = evaluate();
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
  const stock = evaluate();
  tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true);
  const results = { fused, stock };
  // An over-limit dispatch is a validation error that drops its whole command buffer: stock ops batched with it
  // came back NaN before the grids were split, so both sides are checked to be finite.
  for (const key of ['normal', 'affine', 'spline', 'groupNorm'] as const) {
    const [a, b] = [await results.fused[key].data(), await results.stock[key].data()];
    let worst = 0;
    let largest = 0;
    for (let i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
      largest = Math.max(largest, Math.abs(b[i]!));
    }
    expect(worst, key).toBeLessThan(1e-4); // NaN fails too
    expect(largest, key).toBeGreaterThan(0.1);
  }
  tf.dispose([z, params, ...Object.values(results.fused), ...Object.values(results.stock)]);
});
