import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { groupNorm } from './group-norm.js';
import { affineCouplingForward } from './affine-coupling.js';
import { rationalQuadraticSplinePacked } from './rq-spline-packed.js';
import { sigmoid } from './sigmoid.js';
import { silu } from './silu.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPE = [2, 3, 3, 4];

/**
 * ∂/∂x of Σ (∇ₓ Σ op(x)·r)·r2 by autodiff of the autodiff gradient, and by central differences, at 6 coordinates of
 * x [shape] (r: fixed weights over op's output, r2 over x).
 */
function secondOrder(op: (x: tf.Tensor) => tf.Tensor, shape = SHAPE): { autodiff: number[]; finiteDifferences: number[] } {
  const n = shape.reduce((a, b) => a * b, 1);
  const x0 = Array.from({ length: n }, (_, i) => Math.sin(i * 1.3));
  return tf.tidy(() => {
    const r2 = tf.cos(tf.range(0, n).reshape(shape));
    const inner = (x: tf.Tensor) =>
      tf.grad((xx: tf.Tensor) => {
        const o = op(xx);
        return tf.sum(tf.mul(o, tf.sin(tf.range(0, o.size).reshape(o.shape))));
      })(x);
    const F = (xs: number[]) => tf.sum(tf.mul(inner(tf.tensor(xs, shape)), r2)).dataSync()[0]!;
    const coords = [1, 2, 3, 17, 40, n - 1];
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(inner(x), r2)))(tf.tensor(x0, shape)).dataSync();
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
  const shift = tf.tidy(() => tf.mul(tf.cos(tf.range(0, 72).reshape(SHAPE)), 0.3));
  const x = tf.tidy(() => tf.sin(tf.range(0, 72).reshape(SHAPE)));
  const { autodiff, finiteDifferences } = secondOrder((raw) => {
    const { y, logabsdet } = affineCouplingForward(x, shift, raw);
    return tf.add(tf.mul(y, 2), tf.reshape(logabsdet, [2, 1, 1, 1]));
  });
  autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3));
  tf.dispose([shift, x]);
});

// The packed rational-quadratic spline's tfjs-op path (the fused kernels' second-order fallback), forward and inverse,
// through its parameters (softmax, knots, softplus) and its inputs (both tails: x0 spans [−1, 1], B = 0.8).
const SPLINE = { numBins: 3, tailBound: 0.8, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, binScale: 0.9 };
for (const inverse of [false, true]) {
  it(`and the rational-quadratic spline's${inverse ? ' inverse' : ''}, through its parameters`, () => {
    const x = tf.tidy(() => tf.mul(tf.sin(tf.range(0, 9).reshape([3, 3])), 0.7));
    const { autodiff, finiteDifferences } = secondOrder((p) => {
      const { outputs, logabsdet } = rationalQuadraticSplinePacked(x, p, { ...SPLINE, inverse });
      return tf.concat([outputs, tf.reshape(logabsdet, [3, 1])], 1);
    }, [3, 24]);
    autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3));
    expect(Math.max(...finiteDifferences.map(Math.abs))).toBeGreaterThan(0.02);
    x.dispose();
  });

  it(`and the rational-quadratic spline's${inverse ? ' inverse' : ''}, through its inputs`, () => {
    const p = tf.tidy(() => tf.cos(tf.range(0, 72 * 8).reshape([2, 3, 3, 32])));
    const { autodiff, finiteDifferences } = secondOrder((x) => {
      const { outputs, logabsdet } = rationalQuadraticSplinePacked(x, p, { ...SPLINE, inverse });
      return tf.add(outputs, tf.reshape(logabsdet, [2, 1, 1, 1]));
    });
    // Second derivatives of tens here, and large third ones: central differences at h = 1e-2 are good to ~1 %.
    autodiff.forEach((v, i) => expect(Math.abs(v - finiteDifferences[i]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(finiteDifferences[i]!)));
    expect(Math.max(...finiteDifferences.map(Math.abs))).toBeGreaterThan(0.02);
    p.dispose();
  });
}

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
