import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { dopri5 } from './dopri5.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('dopri5', () => {
  it('integrates y′ = −k·y forwards and backwards to the tolerance asked', async () => {
    const k = tf.tensor1d([0.5, 2, 7]);
    const f = async (_t: number, y: tf.Tensor) => tf.neg(tf.mul(y, k));
    const y0 = tf.tensor1d([1, -2, 3]);
    const fwd = await dopri5(f, y0, 0, 1.5, { rtol: 1e-6, atol: 1e-9 });
    const got = await fwd.y.data();
    [0.5, 2, 7].forEach((kk, i) => expect(got[i]).toBeCloseTo([1, -2, 3][i]! * Math.exp(-kk * 1.5), 5));
    expect(fwd.accepted).toBeGreaterThan(3);
    const back = await dopri5(f, fwd.y, 1.5, 0, { rtol: 1e-7, atol: 1e-9 });
    const b = await back.y.data();
    [1, -2, 3].forEach((v, i) => expect(b[i]! / v).toBeCloseTo(1, 3));
    tf.dispose([k, y0, fwd.y, back.y]);
  });

  it('takes more steps for a tighter tolerance (adaptive control works)', async () => {
    const f = async (t: number, y: tf.Tensor) => tf.mul(y, Math.cos(10 * t));
    const y0 = tf.tensor1d([1]);
    const loose = await dopri5(f, y0, 0, 2, { rtol: 1e-3, atol: 1e-6 });
    const tight = await dopri5(f, y0, 0, 2, { rtol: 1e-8, atol: 1e-10 });
    const exact = Math.exp(Math.sin(20) / 10);
    expect(Math.abs((await tight.y.data())[0]! - exact)).toBeLessThan(1e-5);
    expect(tight.nfe).toBeGreaterThan(loose.nfe);
    tf.dispose([y0, loose.y, tight.y]);
  });

  it('fails clearly instead of looping when the step budget is exhausted', async () => {
    const f = async (t: number, y: tf.Tensor) => tf.mul(y, Math.cos(100 * t));
    const y0 = tf.tensor1d([1]);
    await expect(dopri5(f, y0, 0, 5, { rtol: 1e-9, atol: 1e-12, maxSteps: 5 })).rejects.toThrow(/no convergence after 5 steps/);
    y0.dispose();
  });

  it('does not leak tensors', async () => {
    const f = async (_t: number, y: tf.Tensor) => tf.neg(y);
    const y0 = tf.tensor1d([1, 2]);
    const before = tf.memory().numTensors;
    const r = await dopri5(f, y0, 0, 1, { rtol: 1e-5, atol: 1e-8 });
    r.y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    y0.dispose();
  });
});
