import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { memorySnapshot } from '../memory/tensor-scope.js';
import { setUpBackends, values } from '../testing/backends.js';
import { convMap64, denseMap64, finiteDifferenceJacobian, relErr } from '../testing/float64.js';
import { batchJacobian, jacobian } from './jacobian.js';
import { jvp, jvpMany } from './jvp.js';
import { Rng } from './rng.js';
import { jacobianTrace } from './trace.js';
import { perSampleGradient, valueAndVjp, vjp, vjpMany } from './vjp.js';

beforeAll(() => setUpBackends('wasm'));

// Test functions, each in tfjs (float32, batched) and in float64 JS (one sample) — see testing/float64.ts.
const D = 5;
const rng = new Rng(42);
const mat = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, () => rng.uniform() * 1.2 - 0.6));
const W = mat(D, D);
const C = mat(D, D);
const Bv = mat(1, D)[0]!;
const dense64 = denseMap64(W, Bv, C);
const dense = (x: tf.Tensor) => tf.add(tf.mul(tf.tanh(tf.add(tf.matMul(x as tf.Tensor2D, tf.tensor2d(W)), tf.tensor1d(Bv))), tf.softplus(x)), tf.matMul(tf.square(x) as tf.Tensor2D, tf.tensor2d(C)));

const [H, Wd, Ch, M] = [4, 4, 2, 3];
const k1 = new Rng(7).fillUniform(new Float64Array(9 * Ch * M), -0.5, 0.5) as Float64Array;
const b1 = new Rng(8).fillUniform(new Float64Array(M), -0.5, 0.5) as Float64Array;
const k2 = new Rng(9).fillUniform(new Float64Array(9 * M * Ch), -0.5, 0.5) as Float64Array;
const conv64 = convMap64(H, Wd, Ch, M, k1, b1, k2);
const conv = (x: tf.Tensor) => {
  const a = tf.softplus(tf.add(tf.conv2d(x as tf.Tensor4D, tf.tensor4d(Float32Array.from(k1), [3, 3, Ch, M]), 1, 'same'), tf.tensor1d(Float32Array.from(b1))));
  return tf.add(tf.conv2d(a as tf.Tensor4D, tf.tensor4d(Float32Array.from(k2), [3, 3, M, Ch]), 1, 'same'), tf.mul(x, 0.5));
};

const BATCH = 3;
const denseX = new Rng(1).fillUniform(new Float64Array(BATCH * D), -1, 1) as Float64Array;
const convX = new Rng(2).fillUniform(new Float64Array(BATCH * H * Wd * Ch), -1, 1) as Float64Array;

/** Exact (float64 finite-difference) Jacobian of sample b. */
function refJacobian(kind: 'dense' | 'conv', b: number): number[][] {
  const d = kind === 'dense' ? D : H * Wd * Ch;
  const x = (kind === 'dense' ? denseX : convX).slice(b * d, (b + 1) * d);
  return finiteDifferenceJacobian(kind === 'dense' ? dense64 : conv64, x);
}

const cases = [
  { kind: 'dense' as const, f: dense, shape: [BATCH, D], x: denseX, d: D },
  { kind: 'conv' as const, f: conv, shape: [BATCH, H, Wd, Ch], x: convX, d: H * Wd * Ch },
];

function mulVecLeft(j: number[][], u: ArrayLike<number>): number[] {
  return j[0]!.map((_, col) => j.reduce((s, row, i) => s + u[i]! * row[col]!, 0));
}
function mulVecRight(j: number[][], v: ArrayLike<number>): number[] {
  return j.map((row) => row.reduce((s, a, k) => s + a * v[k]!, 0));
}

describe.each(['wasm', 'cpu'])('autodiff tools on %s vs float64 finite differences', (backend) => {
  beforeAll(() => tf.setBackend(backend));

  for (const c of cases) {
    const x = () => tf.tensor(Float32Array.from(c.x), c.shape);

    it(`vjp / valueAndVjp give per-sample uᵀJ (${c.kind})`, async () => {
      const u = new Rng(11).fillUniform(new Float32Array(c.x.length), -1, 1);
      const before = memorySnapshot();
      const xt = x();
      const ut = tf.tensor(u, c.shape);
      const gt = vjp(c.f, xt, ut);
      const g = await values(gt);
      const both = valueAndVjp(c.f, xt, ut);
      const y = tf.tidy(() => c.f(xt));
      expect(relErr(g, await values(both.vjp))).toBe(0);
      expect(relErr(await values(y), await values(both.value))).toBe(0);
      for (let b = 0; b < BATCH; b++) {
        const ref = mulVecLeft(refJacobian(c.kind, b), u.subarray(b * c.d, (b + 1) * c.d));
        expect(relErr(ref, g.subarray(b * c.d, (b + 1) * c.d))).toBeLessThan(1e-4);
      }
      tf.dispose([xt, ut, gt, y, both.value, both.vjp]);
      expect(memorySnapshot()).toEqual(before); // nothing else was left behind
    });

    it(`jvp gives per-sample Jv by differentiating a VJP (${c.kind})`, async () => {
      const v = new Rng(12).fillUniform(new Float32Array(c.x.length), -1, 1);
      const xt = x();
      const vt = tf.tensor(v, c.shape);
      const before = memorySnapshot();
      const jv = jvp(c.f, xt, vt);
      expect(memorySnapshot().numTensors).toBe(before.numTensors + 1);
      const got = await values(jv);
      for (let b = 0; b < BATCH; b++) {
        const ref = mulVecRight(refJacobian(c.kind, b), v.subarray(b * c.d, (b + 1) * c.d));
        expect(relErr(ref, got.subarray(b * c.d, (b + 1) * c.d))).toBeLessThan(1e-4);
      }
      // outputShape skips the shape probe and gives the same result.
      const again = jvp(c.f, xt, vt, { outputShape: c.shape });
      expect(relErr(got, await values(again))).toBe(0);
      tf.dispose([xt, vt, jv, again]);
    });

    it(`batchJacobian gives the full per-sample Jacobian, chunked or not (${c.kind})`, async () => {
      const xt = x();
      const before = memorySnapshot();
      const whole = batchJacobian(c.f, xt);
      const chunked = batchJacobian(c.f, xt, { chunkRows: 2 * BATCH + 1 });
      expect(memorySnapshot().numTensors).toBe(before.numTensors + 2);
      expect(whole.shape).toEqual([BATCH, c.d, c.d]);
      const a = await values(whole);
      expect(relErr(a, await values(chunked))).toBe(0);
      for (let b = 0; b < BATCH; b++) {
        expect(relErr(refJacobian(c.kind, b).flat(), a.subarray(b * c.d * c.d, (b + 1) * c.d * c.d))).toBeLessThan(1e-4);
      }
      tf.dispose([xt, whole, chunked]);
    });

    it(`jacobianTrace: exact equals tr J; Hutchinson is unbiased and reproducible (${c.kind})`, async () => {
      const xt = x();
      const refTraces = Array.from({ length: BATCH }, (_, b) => refJacobian(c.kind, b).reduce((s, row, i) => s + row[i]!, 0));
      const exact = await values(jacobianTrace(c.f, xt, { method: 'exact', chunkRows: 17 }));
      expect(relErr(refTraces, exact)).toBeLessThan(1e-4);
      for (const method of ['rademacher', 'gaussian'] as const) {
        const samples = 1500;
        const est = await values(jacobianTrace(c.f, xt, { method, samples, seed: 100 }));
        const again = await values(jacobianTrace(c.f, xt, { method, samples, seed: 100, chunkRows: 999 }));
        expect(relErr(est, again)).toBeLessThan(1e-6); // same probes whatever the chunking
        const other = await values(jacobianTrace(c.f, xt, { method, samples, seed: 101 }));
        expect(relErr(est, other)).toBeGreaterThan(1e-6);
        for (let b = 0; b < BATCH; b++) {
          // Var(vᵀJv) ≤ 2‖J‖_F² for Rademacher, = ‖J‖_F² + ‖Jᵀ‖… ≤ 2‖J‖_F² + … for Gaussian: bound by 3‖J‖_F².
          const fro2 = refJacobian(c.kind, b).flat().reduce((s, a) => s + a * a, 0);
          expect(Math.abs(est[b]! - refTraces[b]!)).toBeLessThan(5 * Math.sqrt((3 * fro2) / samples));
        }
      }
      tf.dispose(xt);
    });
  }

  it('vjpMany and jvpMany give K products per sample', async () => {
    const K = 4;
    const xt = tf.tensor(Float32Array.from(denseX), [BATCH, D]);
    const us = new Rng(13).fillUniform(new Float32Array(BATCH * K * D), -1, 1);
    const many = await values(vjpMany(dense, xt, tf.tensor(us, [BATCH, K, D]), { chunkRows: BATCH * 3 }));
    const manyJ = await values(jvpMany(dense, xt, tf.tensor(us, [BATCH, K, D]), { chunkRows: BATCH * 3 }));
    for (let b = 0; b < BATCH; b++) {
      const j = refJacobian('dense', b);
      for (let k = 0; k < K; k++) {
        const u = us.subarray((b * K + k) * D, (b * K + k + 1) * D);
        expect(relErr(mulVecLeft(j, u), many.subarray((b * K + k) * D, (b * K + k + 1) * D))).toBeLessThan(1e-4);
        expect(relErr(mulVecRight(j, u), manyJ.subarray((b * K + k) * D, (b * K + k + 1) * D))).toBeLessThan(1e-4);
      }
    }
  });

  it('perSampleGradient and jacobian at one point', async () => {
    const xt = tf.tensor(Float32Array.from(denseX), [BATCH, D]);
    const g = await values(perSampleGradient((z) => tf.sum(dense(z), 1), xt));
    const j0 = await values(jacobian(dense, tf.tensor1d(Float32Array.from(denseX.subarray(0, D)))));
    for (let b = 0; b < BATCH; b++) {
      const j = refJacobian('dense', b);
      expect(relErr(mulVecLeft(j, new Array(D).fill(1)), g.subarray(b * D, (b + 1) * D))).toBeLessThan(1e-4);
    }
    expect(relErr(refJacobian('dense', 0).flat(), j0)).toBeLessThan(1e-4);
  });

  it('jvp works through the workarounds of docs/tfjs-notes.md §1: log-sigmoid as −softplus(−x), where via a step mask', async () => {
    // f(x) = logσ(x) + [x > 0.2]·x², elementwise: J is diagonal with σ(−x) + [x > 0.2]·2x.
    const f = (z: tf.Tensor) => {
      const m = tf.step(tf.sub(z, 0.2));
      return tf.add(tf.neg(tf.softplus(tf.neg(z))), tf.mul(m, tf.square(z)));
    };
    const xs = [-1.5, -0.3, 0.1, 0.7, 2];
    const jv = await values(jvp(f, tf.tensor2d([xs]), tf.ones([1, xs.length])));
    const expected = xs.map((v) => 1 / (1 + Math.exp(v)) + (v > 0.2 ? 2 * v : 0));
    expect(relErr(expected, jv)).toBeLessThan(1e-5);
  });

  it('rejects shapes that tf.mul would broadcast silently', () => {
    const xt = tf.zeros([BATCH, D]);
    expect(() => vjp(dense, xt, tf.zeros([1, D]))).toThrow(expect.objectContaining({ code: 'DGM_ENGINE_INVALID_ARGUMENT' }));
    expect(() => jvp(dense, xt, tf.zeros([D]))).toThrow(/tangent shape/);
    expect(() => jacobianTrace((z) => tf.sum(z, 1), xt, { method: 'exact' })).toThrow(/square Jacobian/);
    expect(() => jacobianTrace(dense, xt, { method: 'rademacher', samples: 0 })).toThrow(/positive integer/);
    expect(() => perSampleGradient(dense, xt)).toThrow(/one value per sample/);
  });
});
