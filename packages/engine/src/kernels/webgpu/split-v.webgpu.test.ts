import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCountedSoftwareWebGpu } from '../../profiling/counted-software-webgpu.js';
import type { WebGpuCounter } from '../../profiling/webgpu-counters.js';
import { OWN_WEBGPU_KERNELS_FLAG } from './own-kernels-flag.js';

let counter: WebGpuCounter;
beforeAll(async () => {
  counter = await openCountedSoftwareWebGpu();
});
afterAll(() => counter.uninstall());

/** Distinct values, on the device (uploaded and read back once, so no kernel runs on the CPU). */
async function onDevice(shape: number[]): Promise<tf.Tensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  const t = tf.tensor(Float32Array.from({ length: n }, (_, i) => i * 0.5 - 7), shape);
  if (n < 1000) throw new Error('onDevice: tfjs computes tensors under 1,000 values on the CPU; take a larger shape');
  const on = tf.add(t, 0);
  await on.data();
  t.dispose();
  return on;
}

/** The parts' values split on the CPU with plain slicing: what SplitV must return. */
function expectedParts(values: Float32Array, shape: number[], axis: number, sizes: number[]): number[][] {
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const row = shape[axis]! * inner;
  let begin = 0;
  return sizes.map((s) => {
    const part: number[] = [];
    for (let o = 0; o < outer; o++) part.push(...values.subarray(o * row + begin * inner, o * row + (begin + s) * inner));
    begin += s;
    return part;
  });
}

async function splitCase(shape: number[], sizes: number[], axis: number): Promise<{ dispatches: Record<string, number> }> {
  const x = await onDevice(shape);
  const xs = await x.data();
  counter.reset();
  const parts = tf.split(x, sizes, axis);
  const dispatches = { ...counter.snapshot().byProgram };
  const want = expectedParts(xs as Float32Array, shape, axis, sizes);
  expect(parts.map((p) => p.shape)).toEqual(sizes.map((s) => shape.map((d, i) => (i === axis ? s : d))));
  for (let j = 0; j < parts.length; j++) expect(Array.from(await parts[j]!.data())).toEqual(want[j]);
  tf.dispose([x, ...parts]);
  return { dispatches };
}

describe('SplitV on webgpu with the engine kernels', () => {
  it('splits every axis of a 4-D tensor exactly, all parts in one dispatch', async () => {
    const shape = [3, 5, 7, 11];
    for (const [axis, sizes] of [[0, [1, 2]], [1, [2, 1, 2]], [2, [4, 3]], [3, [5, 1, 5]]] as const) {
      const { dispatches } = await splitCase(shape, [...sizes], axis);
      expect(dispatches).toEqual({ 'SplitV/dgmSplit': 1 });
    }
  });

  it('takes as many parts per dispatch as the shader may bind outputs (the U-Net time projections: 14 parts of [B, n])', async () => {
    const perDispatch = (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBuffersPerShaderStage - 1;
    const sizes = Array.from({ length: 2 * perDispatch + 3 }, (_, j) => 32 + (j % 3) * 16);
    const { dispatches } = await splitCase([2, sizes.reduce((a, b) => a + b, 0)], sizes, 1);
    expect(dispatches).toEqual({ 'SplitV/dgmSplit': 3 });
  });

  it('gives concat its gradient (tfjs differentiates concat by a split)', async () => {
    const a = await onDevice([10, 20, 6]);
    const b = await onDevice([10, 20, 5]);
    const w = await onDevice([10, 20, 11]);
    const f = (p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.concat([p, q], 2), w));
    counter.reset();
    const [ga, gb] = tf.grads(f)([a, b]);
    expect(counter.snapshot().byProgram['SplitV/dgmSplit']).toBe(1);
    const ws = (await w.data()) as Float32Array;
    const [wa, wb] = expectedParts(ws, [10, 20, 11], 2, [6, 5]);
    expect(Array.from(await ga!.data())).toEqual(wa);
    expect(Array.from(await gb!.data())).toEqual(wb);
    tf.dispose([a, b, w, ga!, gb!]);
  });

  it('leaves int32, host-resident small inputs, and everything with the engine kernels off to tfjs (one slice per part)', async () => {
    const ints = tf.add(tf.range(0, 2400, 1, 'int32').reshape([2, 1200]), tf.scalar(0, 'int32'));
    await ints.data();
    counter.reset();
    const intParts = tf.split(ints, [500, 700], 1);
    expect(counter.snapshot().byProgram).toEqual({ 'SplitV/slice': 2 });
    expect(Array.from(await intParts[1]!.data()).slice(0, 2)).toEqual([500, 501]);

    const small = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]); // on the host, under the CPU hand-off size
    counter.reset();
    const smallParts = tf.split(small, [1, 2], 1);
    expect(counter.snapshot().dispatches).toBe(0);
    expect(await smallParts[1]!.array()).toEqual([[2, 3], [5, 6]]);

    tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false);
    try {
      const { dispatches } = await splitCase([30, 40], [10, 10, 20], 1);
      expect(dispatches).toEqual({ 'SplitV/slice': 3 });
    } finally {
      tf.env().set(OWN_WEBGPU_KERNELS_FLAG, true);
    }
    tf.dispose([ints, ...intParts, small, ...smallParts]);
  });
});
