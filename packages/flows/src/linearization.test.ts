import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildFlowModel } from './build.js';
import { autodiffJacobian } from './jacobian-check.js';
import { multiscaleFlowSpec } from './presets.js';
import { perturbParameters, scaleCouplingOutputs } from './testing.js';
import { randomTensor, useCpuBackend } from './test-helpers.js';
import { ActNorm } from './transforms/actnorm.js';
import { AffineCoupling } from './transforms/affine-coupling.js';
import { CompositeTransform } from './transforms/composite.js';
import { LogitTransform } from './transforms/logit.js';
import { OneByOneConvolution } from './transforms/one-by-one-conv.js';
import { RqSplineCoupling } from './transforms/rq-spline-coupling.js';
import { SqueezeTransform } from './transforms/squeeze.js';
import type { Linearization, Transform } from './types.js';

beforeAll(useCpuBackend);

const net = { hiddenChannels: 4, numBlocks: 2, dropout: 0.2 };

/** J[i, j] = ∂x_i/∂y_j of the inverse at y (float64, row-major), by batched autodiff VJPs. */
function inverseJacobian(t: Pick<Transform, 'inverse'>, y: tf.Tensor): { j: Float64Array; rows: number; cols: number } {
  const { jacobian, inDim, outDim } = autodiffJacobian((v) => t.inverse(v).x, y, { chunk: 64 });
  return { j: jacobian, rows: outDim, cols: inDim };
}

/** The values of a tensor computed in a tidy scope, as float64 (the tensor is freed). */
function read(f: () => tf.Tensor): Float64Array {
  const t = tf.tidy(f);
  const values = Float64Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** Jacobian products of a linearization with the unit vectors: vjp gives J, jvp gives Jᵀ. */
function fromProducts(lin: Linearization, inputShape: number[]): { viaVjp: Float64Array; viaJvp: Float64Array } {
  const inDim = inputShape.reduce((a, b) => a * b, 1);
  const outDim = lin.value.size;
  const viaVjp = read(() => lin.vjp(tf.reshape(tf.eye(outDim), [outDim, ...lin.value.shape.slice(1)]))); // [out, in]
  const jt = read(() => lin.jvp(tf.reshape(tf.eye(inDim), [inDim, ...inputShape]))); // [in, out]
  const viaJvp = new Float64Array(outDim * inDim);
  for (let i = 0; i < outDim; i++) for (let j = 0; j < inDim; j++) viaJvp[i * inDim + j] = jt[j * outDim + i]!;
  return { viaVjp, viaJvp };
}

/** Products with two random vectors (the small-batch code paths) against J·t and gᵀ·J from the dense J. */
function expectFewVectorProducts(lin: Linearization, j: Float64Array, inputShape: number[], tol: number): void {
  const inDim = inputShape.reduce((a, b) => a * b, 1);
  const outDim = lin.value.size;
  const t = randomTensor([2, inDim], 101);
  const g = randomTensor([2, outDim], 102);
  const tv = t.dataSync();
  const gv = g.dataSync();
  const expectJt = new Float64Array(2 * outDim);
  const expectGj = new Float64Array(2 * inDim);
  for (let r = 0; r < 2; r++) {
    for (let i = 0; i < outDim; i++) {
      for (let k = 0; k < inDim; k++) {
        expectJt[r * outDim + i] = expectJt[r * outDim + i]! + j[i * inDim + k]! * tv[r * inDim + k]!;
        expectGj[r * inDim + k] = expectGj[r * inDim + k]! + gv[r * outDim + i]! * j[i * inDim + k]!;
      }
    }
  }
  const jt = read(() => lin.jvp(tf.reshape(t, [2, ...inputShape])));
  const gj = read(() => lin.vjp(tf.reshape(g, [2, ...lin.value.shape.slice(1)])));
  expect(maxRelDiff(jt, expectJt)).toBeLessThanOrEqual(tol * 10);
  expect(maxRelDiff(gj, expectGj)).toBeLessThanOrEqual(tol * 10);
  tf.dispose([t, g]);
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

function expectLinearizationMatchesAutodiff(t: Transform, y: tf.Tensor, tol = 1e-5): void {
  // (inverse() first: 1×1 convolutions cache their inverse matrix on first use.)
  const inverse = tf.keep(tf.tidy(() => t.inverse(y).x));
  const before = tf.memory().numTensors;
  const lin = t.linearizeInverse(y);
  expect(lin.value.shape).toEqual(inverse.shape);
  expect(Array.from(lin.value.dataSync())).toEqual(Array.from(inverse.dataSync()));
  const { j } = inverseJacobian(t, y);
  const { viaVjp, viaJvp } = fromProducts(lin, y.shape.slice(1));
  expect(maxRelDiff(viaVjp, j)).toBeLessThanOrEqual(tol);
  expect(maxRelDiff(viaJvp, j)).toBeLessThanOrEqual(tol);
  expectFewVectorProducts(lin, j, y.shape.slice(1), tol);
  lin.dispose();
  expect(tf.memory().numTensors).toBe(before);
  inverse.dispose();
}

describe('transform linearizations equal the autodiff Jacobian of the inverse', () => {
  it('squeeze, actnorm, 1×1 convolution', () => {
    expectLinearizationMatchesAutodiff(new SqueezeTransform(2), randomTensor([1, 2, 2, 12], 0));
    const y = randomTensor([1, 4, 4, 3], 1);
    const actnorm = new ActNorm(3);
    perturbParameters(actnorm, 2, 0.5);
    expectLinearizationMatchesAutodiff(actnorm, y);
    const conv = new OneByOneConvolution(3, { seed: 4 });
    perturbParameters(conv, 5, 0.3);
    expectLinearizationMatchesAutodiff(conv, y);
  });

  it('logit, with and without the upstream inverse quirk', () => {
    const y = randomTensor([1, 3, 3, 2], 6, { std: 2 });
    expectLinearizationMatchesAutodiff(new LogitTransform(), y);
    expectLinearizationMatchesAutodiff(new LogitTransform({ upstreamInverseQuirk: true }), y);
  });

  type Options = { onePixel?: boolean; numBlocks?: number };
  it.each([
    ['affine', (flip: boolean, c: number, o: Options = {}) => new AffineCoupling({ channels: c, flip, net: { ...net, numBlocks: o.numBlocks ?? 2 }, seed: 3, onePixel: o.onePixel })],
    [
      'rq-spline',
      (flip: boolean, c: number, o: Options = {}) =>
        new RqSplineCoupling({ channels: c, flip, net: { ...net, numBlocks: o.numBlocks ?? 2 }, seed: 3, numBins: 4, tailBound: 1.5, onePixel: o.onePixel }),
    ],
  ] as const)('%s coupling, both masks, inside and outside the tail bound, on 3×3, 6×7 and 1×1 maps', (_name, make) => {
    for (const flip of [true, false]) {
      const coupling = make(flip, 4);
      perturbParameters(coupling, 11, 0.3);
      expectLinearizationMatchesAutodiff(coupling, randomTensor([1, 3, 3, 4], 12, { std: 1.5 }));
    }
    // A map larger than the net's receptive window (radius 2 with one block): dense blocks from windowed seeds.
    const local = make(true, 4, { numBlocks: 1 });
    perturbParameters(local, 17, 0.3);
    expectLinearizationMatchesAutodiff(local, randomTensor([1, 6, 7, 4], 18, { std: 1.5 }));
    const onePixel = make(false, 5, { onePixel: true });
    perturbParameters(onePixel, 13, 0.3);
    expectLinearizationMatchesAutodiff(onePixel, randomTensor([1, 1, 1, 5], 14, { std: 1.5 }));
    // A full 3×3 kernel on a 1×1 map uses its centre tap only.
    const full = make(true, 5);
    perturbParameters(full, 15, 0.3);
    expectLinearizationMatchesAutodiff(full, randomTensor([1, 1, 1, 5], 16, { std: 1.5 }));
  });

  it('a composite, applied last to first', () => {
    const c = 4;
    const parts = [new ActNorm(c), new OneByOneConvolution(c, { seed: 1 }), new RqSplineCoupling({ channels: c, flip: true, net, seed: 2, numBins: 3, tailBound: 2 })];
    const composite = new CompositeTransform(parts);
    perturbParameters(composite, 7, 0.3);
    expectLinearizationMatchesAutodiff(composite, randomTensor([1, 2, 2, c], 8));
  });

  it('rejects batches and mis-shaped vectors with clear errors', () => {
    const actnorm = new ActNorm(2);
    expect(() => actnorm.linearizeInverse(tf.zeros([2, 1, 1, 2]))).toThrow(/one point \(batch 1\), got batch 2/);
    const lin = actnorm.linearizeInverse(tf.zeros([1, 2, 2, 2]));
    expect(() => lin.vjp(tf.zeros([3, 2, 2, 1]))).toThrow(/vjp cotangents: expected \[R, 2, 2, 2\], got \[3, 2, 2, 1\]/);
    lin.dispose();
    expect(() => lin.jvp(tf.zeros([1, 2, 2, 2]))).toThrow(/disposed/);
  });
});

describe('whole-flow decoder Jacobian, layer by layer', () => {
  // docs/reference-notes.md §2.2 structure at 1×8×8: two 4-channel/8-channel levels with 1×1 convs in the blocks,
  // then a 1×1-map level (squeeze 2 of 2×2 → 16 channels) whose nets keep only centre taps.
  const spec = (coupling: 'affine' | 'rq-spline') =>
    multiscaleFlowSpec({
      dataShape: [1, 8, 8],
      coupling,
      numBins: 3,
      levels: [
        { squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true },
        { squeeze: 2, blocks: 1, hiddenChannels: 4, conv1x1InBlocks: true },
        { squeeze: 2, blocks: 1, hiddenChannels: 6, conv1x1InBlocks: false },
      ],
      seed: 3,
    });

  it.each([
    ['rq-spline', false],
    ['affine', true],
  ] as const)('%s flow (quirk %s): inverseJacobianTransposed and the products equal autodiff through decode', (coupling, quirk) => {
    const model = buildFlowModel(spec(coupling), { upstreamLogitInverse: quirk });
    perturbParameters(model, 17, 0.05);
    scaleCouplingOutputs(model, 0.3);
    const d = model.dim;
    const xt = randomTensor([1, 8, 8, 1], 5, { lo: 0.02, hi: 0.98 });
    const z = model.encode(xt).z;
    tf.tidy(() => model.decode(z)); // caches the 1×1-conv inverses
    const before = tf.memory().numTensors;
    const jt = model.flow.inverseJacobianTransposed(z);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(jt.shape).toEqual([d, d]);
    const { jacobian } = autodiffJacobian((v) => tf.reshape(model.decode(v).x, [v.shape[0]!, d]), z, { chunk: 64 });
    const ours = jt.dataSync();
    const transposed = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) transposed[i * d + j] = ours[j * d + i]!;
    expect(maxRelDiff(transposed, jacobian)).toBeLessThanOrEqual(1e-5);
    // Generic products agree with the structured columns.
    const lin = model.flow.linearizeInverse(z);
    const { viaVjp, viaJvp } = fromProducts(lin, [d]);
    expect(maxRelDiff(viaVjp, jacobian)).toBeLessThanOrEqual(1e-5);
    expect(maxRelDiff(viaJvp, jacobian)).toBeLessThanOrEqual(1e-5);
    expect(Array.from(lin.value.dataSync())).toEqual(Array.from(model.decode(z).x.dataSync()));
    lin.dispose();
    jt.dispose();
    model.dispose();
  });
});
