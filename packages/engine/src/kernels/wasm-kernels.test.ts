import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../autodiff/rng.js';
import { relativeError } from '../gradcheck/compare.js';
import { setUpBackends } from '../testing/backends.js';
import { filterGradChunkRows } from './conv2d-backprop-filter.js';
import { registerWasmKernels } from './register-wasm-kernels.js';

beforeAll(() => setUpBackends('wasm'));

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const random = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1), shape);

async function convGrads(backend: string, xs: number[], ws: number[], stride: number, pad: Pad, seed: number) {
  await tf.setBackend(backend);
  const x = random(xs, seed) as tf.Tensor4D;
  const w = random(ws, seed + 1) as tf.Tensor4D;
  const y = tf.conv2d(x, w, stride, pad);
  const r = random(y.shape, seed + 2);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad), r)))([x, w]);
  const out = { dx: await dx!.data(), dw: await dw!.data() };
  tf.dispose([x, w, y, r, dx!, dw!]);
  return out;
}

describe('project conv kernels on wasm', () => {
  it('registers Conv2DBackpropFilter (missing in tfjs-backend-wasm) and replaces the slow Conv2DBackpropInput and the wrong MaxPoolGrad', () => {
    const names = registerWasmKernels().map((k) => `${k.kernelName}:${k.action}`);
    expect(names).toEqual(expect.arrayContaining(['Conv2DBackpropFilter:added', 'Conv2DBackpropInput:replaced', 'MaxPoolGrad:replaced', 'UnsortedSegmentSum:added']));
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('oneHot honours its dtype on wasm (tfjs-backend-wasm 4.22 wrote int32 ones into float32 tensors)', async () => {
    registerWasmKernels();
    await tf.setBackend('wasm');
    const idx = tf.tensor1d([1, 2], 'int32');
    const f = tf.oneHot(idx, 4, 1, 0, 'float32');
    const i = tf.oneHot(idx, 4, 5, -1);
    expect(f.dtype).toBe('float32');
    expect(Array.from(await f.data())).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    expect(Array.from(await i.data())).toEqual([-1, 5, -1, -1, -1, -1, 5, -1]);
    tf.dispose([idx, f, i]);
  });

  const geometries: Array<[string, number[], number[], number, Pad]> = [
    ['3×3 same', [2, 7, 6, 3], [3, 3, 3, 4], 1, 'same'],
    ['1×1', [3, 4, 4, 5], [1, 1, 5, 2], 1, 'valid'],
    ['3×3 same stride 2, odd size', [2, 7, 7, 3], [3, 3, 3, 2], 2, 'same'],
    ['3×3 same stride 2, even size', [2, 6, 8, 2], [3, 3, 2, 3], 2, 'same'],
    ['3×3 valid stride 2, unread row', [1, 8, 8, 2], [3, 3, 2, 3], 2, 'valid'],
    ['5×5 same stride 3', [1, 11, 10, 2], [5, 5, 2, 2], 3, 'same'],
    ['2×4 valid', [2, 6, 7, 2], [2, 4, 2, 3], 1, 'valid'],
    ['explicit asymmetric pads', [2, 5, 6, 3], [3, 3, 3, 2], 1, [[0, 0], [2, 0], [0, 1], [0, 0]]],
    ['3×3 on a 1×1 map', [4, 1, 1, 3], [3, 3, 3, 5], 1, 'same'],
    ['wide output: dW summed over batch chunks of 3 + 2', [5, 40, 40, 1], [3, 3, 1, 45], 1, 'same'],
  ];
  for (const [name, xs, ws, s, p] of geometries) {
    it(`dx and dW match cpu: ${name}`, async () => {
      const ref = await convGrads('cpu', xs, ws, s, p, 11);
      const got = await convGrads('wasm', xs, ws, s, p, 11);
      expect(relativeError(ref.dx, got.dx)).toBeLessThan(1e-5);
      expect(relativeError(ref.dw, got.dw)).toBeLessThan(1e-5);
    });
  }

  it('chunks the batch of a weight gradient so that dyᵀ stays near 1 MB', () => {
    expect(filterGradChunkRows(64, 14, 14, 64)).toBe(16);
    expect(filterGradChunkRows(5, 40, 40, 45)).toBe(3);
    expect(filterGradChunkRows(8, 4, 4, 8)).toBe(8);
    expect(filterGradChunkRows(3, 512, 512, 64)).toBe(1);
  });

  it('conv2dTranspose (the forward use of Conv2DBackpropInput) matches cpu', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const x = random([2, 4, 5, 3], 3) as tf.Tensor4D;
      const w = random([3, 3, 2, 3], 4) as tf.Tensor4D;
      const y = tf.conv2dTranspose(x, w, [2, 8, 10, 2], 2, 'same');
      const v = await y.data();
      tf.dispose([x, w, y]);
      return v;
    };
    expect(relativeError(await run('cpu'), await run('wasm'))).toBeLessThan(1e-5);
  });

  it('frees every intermediate buffer', async () => {
    await tf.setBackend('wasm');
    const x = random([2, 6, 6, 3], 1) as tf.Tensor4D;
    const w = random([3, 3, 3, 4], 2) as tf.Tensor4D;
    const step = () => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]));
    tf.dispose(step());
    const buffers = tf.backend().numDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(step());
    expect(tf.backend().numDataIds()).toBe(buffers);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, w]);
  });

  it('rejects NCHW filter gradients with a clear error', async () => {
    await tf.setBackend('wasm');
    const x = random([1, 2, 5, 5], 1) as tf.Tensor4D;
    const dy = random([1, 2, 5, 5], 2) as tf.Tensor4D;
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] })).toThrow(/NCHW is not supported/);
    tf.dispose([x, dy]);
  });

  it('cpu fallback kernels give gather gradients (UnsortedSegmentSum) on wasm', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.gather(a, tf.tensor1d([2, 0, 2], 'int32'), 1)))(x);
    expect(Array.from(await g.data())).toEqual([1, 0, 2, 1, 0, 2]);
    tf.dispose([x, g]);
  });
});
