import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { groupNorm } from './group-norm.js';
import { affineCouplingForward } from './affine-coupling.js';
import { sigmoid } from './sigmoid.js';
import { silu } from './silu.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 3, 3, 4];
const N = 72;
const x0 = Array.from({ length: N }, (_, i) => Math.sin(i * 1.3));

/** ∂/∂x of Σ (∇ₓ Σ op(x)·r)·r2 by autodiff of the autodiff gradient, and by central differences, at 6 coordinates. */
function secondOrder(op: (x: tf.Tensor) => tf.Tensor): { autodiff: number[]; finiteDifferences: number[] } {
  return tf.tidy(() => {
    const r = tf.sin(tf.range(0, N).reshape(SHAPE));
    const r2 = tf.cos(tf.range(0, N).reshape(SHAPE));
    const inner = (x: tf.Tensor) => tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(op(xx), r)))(x);
    const F = (xs: number[]) => tf.sum(tf.mul(inner(tf.tensor(xs, SHAPE)), r2)).dataSync()[0]!;
    const coords = [1, 2, 3, 17, 40, 71];
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(inner(x), r2)))(tf.tensor(x0, SHAPE)).dataSync();
    const h = 1e-2;
    const finiteDifferences = coords.map((i) => {
      const p = [...x0];
      const m = [...x0];
      p[i]! += h;
      m[i]! -= h;
      return (F(p) - F(m)) / (2 * h);
    });
    return { autodiff: coords.map((i) => grad[i]!), finiteDifferences };
  });
}

it("silu's gradient is itself differentiable: a second derivative matches central differences", () => {
  const { autodiff, finiteDifferences } = secondOrder(silu);
  autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3));
  expect(Math.max(...finiteDifferences.map(Math.abs))).toBeGreaterThan(0.05); // not vacuous
});

it('so is GroupNorm + SiLU (tfjs-op path), as a Hessian-vector product through a U-Net needs', () => {
  const g = tf.tensor1d([1, 1.5, 0.7, 1.2]);
  const b = tf.tensor1d([0.1, -0.2, 0.3, 0]);
  const { autodiff, finiteDifferences } = secondOrder((x) => groupNorm(x as tf.Tensor4D, g, b, { groups: 2, eps: 1e-5, activation: 'silu' }));
  autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3));
  tf.dispose([g, b]);
});

it("sigmoid's too", () => {
  const { autodiff, finiteDifferences } = secondOrder(sigmoid);
  autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3));
  expect(Math.max(...finiteDifferences.map(Math.abs))).toBeGreaterThan(0.02);
});

it("and the affine coupling's (tfjs-op path), through its log|det| and its outputs", () => {
  const shift = tf.tidy(() => tf.mul(tf.cos(tf.range(0, N).reshape(SHAPE)), 0.3));
  const x = tf.tidy(() => tf.sin(tf.range(0, N).reshape(SHAPE)));
  const { autodiff, finiteDifferences } = secondOrder((raw) => {
    const { y, logabsdet } = affineCouplingForward(x, shift, raw);
    return tf.add(tf.mul(y, 2), tf.reshape(logabsdet, [2, 1, 1, 1]));
  });
  autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3));
  tf.dispose([shift, x]);
});

it('first-order values are x·σ(x) and its derivative', () => {
  const x = tf.tensor1d([-3, -0.5, 0, 0.5, 3]);
  const y = silu(x).dataSync();
  const d = tf.grad(silu)(x).dataSync();
  [-3, -0.5, 0, 0.5, 3].forEach((v, i) => {
    const s = 1 / (1 + Math.exp(-v));
    expect(y[i]).toBeCloseTo(v * s, 6);
    expect(d[i]).toBeCloseTo(s * (1 + v * (1 - s)), 6);
  });
  x.dispose();
});
