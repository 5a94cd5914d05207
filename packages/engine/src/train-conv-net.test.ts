import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from './autodiff/rng.js';
import { memorySnapshot, trainStep } from './memory/tensor-scope.js';
import { setUpBackends } from './testing/backends.js';

beforeAll(() => setUpBackends('wasm'));

const uniform = (shape: number[], seed: number, scale: number) => tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -scale, scale), shape);

describe('training a conv net on wasm', () => {
  it('Adam lowers the loss of a small residual conv net (3×3 and strided convs, tf.conv2d gradients on wasm)', async () => {
    expect(tf.getBackend()).toBe('wasm');
    // Regress a fixed random target from random images through conv → relu → conv (+ skip) → strided conv.
    const x = uniform([8, 8, 8, 2], 1, 1) as tf.Tensor4D;
    const target = uniform([8, 4, 4, 3], 2, 1);
    const v = (t: tf.Tensor) => tf.variable(t);
    const w1 = v(uniform([3, 3, 2, 8], 3, 0.4));
    const b1 = v(tf.zeros([8]));
    const w2 = v(uniform([3, 3, 8, 2], 4, 0.2));
    const w3 = v(uniform([3, 3, 2, 3], 5, 0.4));
    const b3 = v(tf.zeros([3]));
    const vars = [w1, b1, w2, w3, b3];
    const net = () => {
      const h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), b1)) as tf.Tensor4D;
      const r = tf.add(x, tf.conv2d(h, w2 as tf.Tensor4D, 1, 'same')) as tf.Tensor4D;
      return tf.add(tf.conv2d(r, w3 as tf.Tensor4D, 2, 'same'), b3);
    };
    const loss = () => tf.mean(tf.square(tf.sub(net(), target))) as tf.Scalar;
    const optimizer = tf.train.adam(0.02);
    const losses = [await trainStep('step 0', optimizer, loss, vars)];
    const before = memorySnapshot();
    for (let i = 1; i < 25; i++) losses.push(await trainStep(`step ${i}`, optimizer, loss, vars));
    expect(memorySnapshot()).toEqual(before); // no tensor or buffer leaked across steps
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(0.6 * losses[0]!);
    // Mostly downhill, not just a lucky end point.
    const drops = losses.slice(1).filter((l, i) => l < losses[i]!).length;
    expect(drops).toBeGreaterThan(18);
    optimizer.dispose();
    tf.dispose([x, target, ...vars]);
  });
});
