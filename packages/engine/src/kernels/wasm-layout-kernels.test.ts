import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../autodiff/rng.js';
import { relativeError } from '../gradcheck/compare.js';
import { setUpBackends } from '../testing/backends.js';

beforeAll(() => setUpBackends('wasm'));

const random = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -1, 1), shape);

/** Runs `f` on cpu and on wasm (inputs rebuilt on each) and returns both results. */
async function onBoth(f: () => tf.Tensor): Promise<[Float32Array, Float32Array, number[]]> {
  const out: Float32Array[] = [];
  let shape: number[] = [];
  for (const backend of ['cpu', 'wasm']) {
    await tf.setBackend(backend);
    const y = tf.tidy(f);
    shape = y.shape;
    out.push(Float32Array.from(await y.data()));
    y.dispose();
  }
  return [out[0]!, out[1]!, shape];
}

describe('wasm layout and product kernels match cpu', () => {
  const products: Array<[string, number[], number[], boolean, boolean]> = [
    ['batched', [4, 40, 30], [4, 30, 50], false, false],
    ['batched, transposed A', [4, 30, 40], [4, 30, 50], true, false],
    ['batched, transposed B', [4, 40, 30], [4, 50, 30], false, true],
    ['right operand broadcast (one tall product)', [3, 2, 40, 30], [30, 50], false, false],
    ['left operand broadcast', [40, 30], [3, 30, 50], false, false],
    ['2-D transposed A and B (matMul gradients)', [120, 90], [70, 120], true, true],
  ];
  for (const [name, sa, sb, ta, tb] of products) {
    it(`BatchMatMul: ${name}`, async () => {
      const [ref, got, shape] = await onBoth(() => tf.matMul(random(sa, 1), random(sb, 2), ta, tb));
      expect(relativeError(ref, got)).toBeLessThan(1e-5);
      await tf.setBackend('cpu');
      expect(shape).toEqual(tf.tidy(() => tf.matMul(random(sa, 1), random(sb, 2), ta, tb).shape));
    });
  }

  it('Sum and Mean over leading axes (the bias-gradient shape), keepDims or not', async () => {
    for (const keepDims of [false, true]) {
      for (const op of [tf.sum, tf.mean]) {
        const [ref, got, shape] = await onBoth(() => op(random([6, 5, 4, 7], 3), [0, 1, 2], keepDims));
        expect(relativeError(ref, got)).toBeLessThan(1e-6);
        expect(shape).toEqual(keepDims ? [1, 1, 1, 7] : [7]);
      }
    }
    // Small reductions and other axes keep the backend's kernel.
    const [a, b] = await onBoth(() => tf.sum(random([3, 4, 5], 4), [0, 2]));
    expect(relativeError(a, b)).toBeLessThan(1e-6);
  });

  it('Transpose and Slice for float32, int32 and bool', async () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const make = () => tf.cast(tf.mul(random([3, 5, 4, 6], 5), 10), dtype);
      const [t1, t2] = await onBoth(() => tf.cast(tf.transpose(make(), [2, 0, 3, 1]), 'float32'));
      expect(Array.from(t2)).toEqual(Array.from(t1));
      const [s1, s2] = await onBoth(() => tf.cast(tf.slice(make(), [1, 2, 0, 3], [2, 2, 4, 2]), 'float32'));
      expect(Array.from(s2)).toEqual(Array.from(s1));
    }
  });

  it('Identity shares the buffer instead of copying, and values survive disposal of the source', async () => {
    await tf.setBackend('wasm');
    const x = random([4, 4], 6);
    const before = tf.backend().numDataIds();
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(before);
    const expected = Array.from(await x.data());
    x.dispose();
    expect(Array.from(await y.data())).toEqual(expected);
    y.dispose();
    expect(tf.backend().numDataIds()).toBe(before - 1);
  });
});
