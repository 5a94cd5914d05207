import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor, useCpuBackend } from '../test-helpers.js';
import { windowedJacobianTransposed, windowedSeedCount, windowedSeeds } from './windowed-jacobian.js';

beforeAll(useCpuBackend);

describe('windowed seeds (grouped Jacobian columns of spatially local maps)', () => {
  it('groups pixels congruent modulo 2·radius + 1, and saves nothing on small maps', () => {
    expect(windowedSeedCount(14, 14, 2, 4)).toBe(9 * 9 * 2);
    expect(windowedSeedCount(7, 7, 4, 4)).toBe(7 * 7 * 4);
    expect(windowedSeedCount(1, 1, 98, 4)).toBe(98);
    const seeds = windowedSeeds(4, 5, 1, 1, 1);
    // s = 3: pixel (3, 4) ≡ (0, 1): it shares seed row 1 with (0, 1).
    const t = seeds.tangents.arraySync() as number[][][][];
    expect(seeds.tangents.shape).toEqual([9, 4, 5, 1]);
    expect(t[1]![0]![1]![0]).toBe(1);
    expect(t[1]![3]![4]![0]).toBe(1);
    expect(t[1]![1]![1]![0]).toBe(0);
    expect(Array.from(seeds.seedOfInput.dataSync()).slice(0, 5)).toEqual([0, 1, 2, 0, 1]);
    expect(() => windowedSeeds(2, 2, 1, 1, -1)).toThrow(/radius must be a non-negative integer/);
  });

  it('recovers the exact Jacobian of two stacked 3×3 convolutions (radius 2) from 25·cin products', () => {
    const [h, w, cin, cout] = [7, 8, 2, 3];
    const k1 = randomTensor([3, 3, cin, 4], 1) as tf.Tensor4D;
    const k2 = randomTensor([3, 3, 4, cout], 2) as tf.Tensor4D;
    const map = (x: tf.Tensor4D) => tf.conv2d(tf.conv2d(x, k1, 1, 'same'), k2, 1, 'same');
    let products = 0;
    const jt = windowedJacobianTransposed(
      (t) => {
        products += t.shape[0];
        return map(t);
      },
      [h, w, cin, cout],
      2,
    );
    expect(products).toBe(25 * cin);
    // The map is linear: its transposed Jacobian is the map applied to every unit vector.
    const exact = tf.tidy(() => tf.reshape(map(tf.reshape(tf.eye(h * w * cin), [h * w * cin, h, w, cin]) as tf.Tensor4D), [h * w * cin, h * w * cout]));
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(jt, exact))).dataSync()[0]!);
    const scale = tf.tidy(() => tf.max(tf.abs(exact)).dataSync()[0]!);
    expect(err).toBeLessThanOrEqual(1e-6 * scale);
    // A radius too small for the map gives a wrong matrix: the test can fail.
    const tooSmall = windowedJacobianTransposed((t) => map(t), [h, w, cin, cout], 1);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tooSmall, exact))).dataSync()[0]!)).toBeGreaterThan(1e-3 * scale);
  });
});
