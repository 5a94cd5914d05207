import * as tf from '@tensorflow/tfjs';
import { activateBackend, relativeError } from '@dgm-ood/engine';
import { Rng } from '@dgm-ood/engine/rng';
import { beforeAll, describe, expect, it } from 'vitest';
import { concatChannels } from './blocks.js';
import { GroupNorm } from './group-norm.js';
import { silu } from './layers.js';

// The ops with hand-written gradients against tfjs's autodiff of their plain formulas, first and second order
// (d/dx of a VJP, a Hessian-vector product: the hand-written gradients must themselves be differentiable in x).
beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = new Rng(9);
const normal = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))) as Float32Array, shape);

async function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-4): Promise<void> {
  expect(a.shape).toEqual(b.shape);
  const [av, bv] = [await a.data(), await b.data()];
  const scale = Math.max(1e-3, ...bv.map(Math.abs));
  expect(Math.max(...av.map((v, i) => Math.abs(v - bv[i]!)))).toBeLessThan(tol * scale);
}

/** GroupNorm by tfjs's moments, differentiated by tfjs. */
function plainGroupNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, groups: number, eps: number): tf.Tensor {
  const [b, h, w, c] = x.shape;
  const xg = tf.reshape(x, [b, h * w, groups, c / groups]);
  const { mean, variance } = tf.moments(xg, [1, 3], true);
  const xhat = tf.reshape(tf.div(tf.sub(xg, mean), tf.sqrt(tf.add(variance, eps))), x.shape);
  return tf.add(tf.mul(xhat, gamma), beta);
}

describe('hand-written gradients', () => {
  // The second shape: per-channel means over a large, odd-sized window (one 45×45 average pool).
  it.each([
    { shape: [3, 4, 5, 6], groups: 2 },
    { shape: [2, 45, 45, 16], groups: 4 },
  ])('GroupNorm: value and gradients w.r.t. x, weight and bias as autodiff of the plain formula ($shape, $groups groups)', async ({ shape, groups }) => {
    const c = shape[3]!;
    const gn = new GroupNorm(groups, c, 1e-5);
    gn.weight.assign(tf.add(1, normal([c])) as tf.Tensor1D);
    gn.bias.assign(normal([c]) as tf.Tensor1D);
    const x = tf.add(normal(shape), 2) as tf.Tensor4D;
    const r = normal(shape);
    const ours = (v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      gn.weight.assign(g as tf.Tensor1D);
      gn.bias.assign(b as tf.Tensor1D);
      return gn.apply(v as tf.Tensor4D);
    };
    const g0 = tf.clone(gn.weight);
    const b0 = tf.clone(gn.bias);
    await expectClose(ours(x, g0, b0), plainGroupNorm(x, g0, b0, groups, 1e-5));
    const vars = [gn.weight, gn.bias];
    const oursGrads = tf.variableGrads(() => tf.sum(tf.mul(gn.apply(x), r)), vars).grads;
    const plain = tf.grads((v: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(plainGroupNorm(v as tf.Tensor4D, g, b, groups, 1e-5), r)))([x, g0, b0]);
    await expectClose(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gn.apply(v as tf.Tensor4D), r)))(x), plain[0]!);
    await expectClose(oursGrads[gn.weight.name]!, plain[1]!);
    await expectClose(oursGrads[gn.bias.name]!, plain[2]!);
    // Second order: d/dx of ⟨∂/∂x Σ r·GN(x), u⟩.
    const u = normal(shape);
    const secondOrder = (f: (v: tf.Tensor) => tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.grad((w: tf.Tensor) => tf.sum(tf.mul(f(w), r)))(v), u)))(x);
    await expectClose(secondOrder((v) => gn.apply(v as tf.Tensor4D)), secondOrder((v) => plainGroupNorm(v as tf.Tensor4D, g0, b0, groups, 1e-5)), 1e-3);
    gn.dispose();
  });

  it('the channel concat: gradients and second-order gradients as autodiff of tf.concat', async () => {
    const x = normal([2, 3, 3, 4]);
    const y = normal([2, 3, 3, 2]);
    const r = normal([2, 3, 3, 6]);
    const u = normal([2, 3, 3, 4]);
    const f = (cat: (a: tf.Tensor4D, b: tf.Tensor4D) => tf.Tensor) => (v: tf.Tensor) =>
      tf.sum(tf.mul(silu(cat(silu(v) as tf.Tensor4D, y as tf.Tensor4D)), r));
    const ours = f(concatChannels);
    const plain = f((a, b) => tf.concat([a, b], 3));
    await expectClose(ours(x), plain(x));
    await expectClose(tf.grad(ours)(x), tf.grad(plain)(x));
    const second = (g: (v: tf.Tensor) => tf.Tensor) => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.grad(g)(v), u)))(x);
    await expectClose(second(ours), second(plain), 1e-3);
  });
});

describe('GroupNorm on wasm', () => {
  // The per-channel means are average pools over the whole image, which wasm runs through XNNPACK, and the
  // group sums and broadcasts small products: values and gradients must be cpu's.
  it('agrees with cpu in value, in gradients w.r.t. x, weight and bias, and in a second derivative w.r.t. x', async () => {
    const shape = [3, 20, 32, 32];
    const data = [normal(shape), normal(shape), normal([32]), normal([32])].map((t) => t.dataSync() as Float32Array);
    const run = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const gn = new GroupNorm(8, 32, 1e-5);
      gn.weight.assign(tf.add(1, tf.tensor1d(data[2]!)) as tf.Tensor1D);
      gn.bias.assign(tf.tensor1d(data[3]!));
      const x = tf.add(tf.tensor4d(data[0]!, shape as [number, number, number, number]), 2) as tf.Tensor4D;
      const r = tf.tensor4d(data[1]!, shape as [number, number, number, number]);
      const y = await gn.apply(x).data();
      const gx = await tf.grad((v: tf.Tensor) => tf.sum(tf.mul(gn.apply(v as tf.Tensor4D), r)))(x).data();
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(gn.apply(x), r)) as tf.Scalar, [gn.weight, gn.bias]);
      const gp = [...(await grads[gn.weight.name]!.data()), ...(await grads[gn.bias.name]!.data())];
      // Second order (differentiates the gradient's average pools: AvgPoolGrad on wasm).
      const inner = (v: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(gn.apply(z as tf.Tensor4D), r)))(v);
      const hvp = await tf.grad((v: tf.Tensor) => tf.sum(tf.mul(inner(v), r)))(x).data();
      gn.dispose();
      return { y, gx, gp, hvp };
    };
    await activateBackend('wasm');
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    expect(relativeError(cpu.y, wasm.y)).toBeLessThan(1e-5);
    expect(relativeError(cpu.gx, wasm.gx)).toBeLessThan(1e-5);
    expect(relativeError(cpu.gp, wasm.gp)).toBeLessThan(1e-5);
    expect(relativeError(cpu.hvp, wasm.hvp)).toBeLessThan(1e-4);
  });
});
