import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { openCountedSoftwareWebGpu } from '../../profiling/counted-software-webgpu.js';
import { installWebGpuCounters } from '../../profiling/webgpu-counters.js';
import { FusedAdamW, type AdamWStepSettings } from './fused-adamw.js';

beforeAll(async () => {
  (await openCountedSoftwareWebGpu()).uninstall();
});

/** torch.optim.AdamW + clip_grad_norm_ in float64 on the host: the reference. */
function referenceSteps(p0: number[][], gradsPerStep: Array<Array<number[] | undefined>>, s: Omit<AdamWStepSettings, 'step'>) {
  const p = p0.map((x) => [...x]);
  const m = p0.map((x) => x.map(() => 0));
  const v = p0.map((x) => x.map(() => 0));
  const norms: number[] = [];
  gradsPerStep.forEach((grads, k) => {
    const t = k + 1;
    const g = p.map((x, i) => grads[i] ?? x.map(() => 0));
    const norm = Math.sqrt(g.flat().reduce((a, x) => a + x * x, 0));
    norms.push(norm);
    const coef = s.maxGradNorm === null ? 1 : Math.min(1, s.maxGradNorm / (norm + 1e-6));
    const stepSize = s.lr / (1 - s.beta1 ** t);
    const bc2 = Math.sqrt(1 - s.beta2 ** t);
    p.forEach((x, i) =>
      x.forEach((_, j) => {
        const gj = g[i]![j]! * coef;
        m[i]![j] = s.beta1 * m[i]![j]! + (1 - s.beta1) * gj;
        v[i]![j] = s.beta2 * v[i]![j]! + (1 - s.beta2) * gj * gj;
        x[j] = x[j]! * (1 - s.lr * s.weightDecay) - stepSize * (m[i]![j]! / (Math.sqrt(v[i]![j]!) / bc2 + s.eps));
      }),
    );
  });
  return { p, m, v, norms };
}

const values = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);

it('matches AdamW with global-norm clipping in float64, over parameters of several sizes, one without a gradient', async () => {
  const sizes = [[3, 5], [7], [40, 33]]; // 1320 values: more than one workgroup's stride
  const p0 = sizes.map((s, i) => values(s.reduce((a, b) => a * b, 1), i + 1));
  const params = sizes.map((s, i) => tf.variable(tf.tensor(p0[i]!, s), true, `fused_adamw_test/p${i}/${Math.random()}`));
  const grads = [0, 1, 2].map((k) => [values(15, 10 + k).map((x) => x * 4), undefined, values(1320, 20 + k)]);
  const settings = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1.0 };
  const opt = new FusedAdamW(params);
  const norms: number[] = [];
  for (const [k, gs] of grads.entries()) {
    const gt = gs.map((g, i) => (g === undefined ? undefined : tf.tensor(g, sizes[i])));
    const norm = opt.step(gt, { ...settings, step: k + 1 });
    tf.dispose(gt.filter((g) => g !== undefined));
    norms.push((await norm.data())[0]!);
    norm.dispose();
  }
  const ref = referenceSteps(p0, grads, settings);
  for (const [i, p] of params.entries()) {
    const got = Array.from(await p.data());
    got.forEach((x, j) => expect(Math.abs(x - ref.p[i]![j]!)).toBeLessThan(2e-6));
  }
  norms.forEach((n, k) => expect(n).toBeCloseTo(ref.norms[k]!, 4));
  expect(ref.norms[0]).toBeGreaterThan(1); // clipping was active
  const { m, v } = await opt.readMoments();
  m[2]!.forEach((x, j) => expect(Math.abs(x - ref.m[2]![j]!)).toBeLessThan(1e-6));
  v[0]!.forEach((x, j) => expect(Math.abs(x - ref.v[0]![j]!)).toBeLessThan(1e-6));
  expect(Array.from(m[1]!)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  opt.dispose();
  tf.dispose(params);
});

it('takes two dispatches per step, whatever the number of parameters, and leaves no tensors behind', async () => {
  const params = Array.from({ length: 20 }, (_, i) => tf.variable(tf.fill([1200], i * 0.01), true, `fused_adamw_test/many${i}/${Math.random()}`));
  const opt = new FusedAdamW(params);
  const grads = params.map(() => tf.fill([1200], 0.5));
  (await opt.step(grads, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: null, step: 1 }).data());
  const before = tf.memory().numTensors;
  const counter = installWebGpuCounters();
  try {
    const norm = opt.step(grads, { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: null, step: 2 });
    const c = counter.snapshot();
    expect(c.dispatches).toBe(2);
    expect(c.byProgram).toEqual({ 'DgmAdamW/sumSquares': 1, 'DgmAdamW/update': 1 });
    expect((await norm.data())[0]).toBeCloseTo(Math.sqrt(20 * 1200 * 0.25), 2);
    norm.dispose();
  } finally {
    counter.uninstall();
  }
  expect(tf.memory().numTensors).toBe(before);
  opt.dispose();
  tf.dispose([...params, ...grads]);
});

it('a non-finite gradient leaves parameters and moments unchanged, and so does every later step', async () => {
  const p = tf.variable(tf.tensor1d([1, 2, 3]), true, `fused_adamw_test/nan/${Math.random()}`);
  const snapshot = p.clone(); // shares the variable's buffer until the variable is assigned
  const opt = new FusedAdamW([p]);
  const settings = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: null, step: 1 };
  const ok = tf.tensor1d([1, 1, 1]);
  opt.step([ok], settings).dispose();
  expect(Array.from(await p.data()).map((x) => Number(x.toFixed(4)))).toEqual([0.9, 1.9, 2.9]);
  expect(Array.from(await snapshot.data())).toEqual([1, 2, 3]); // the clone still holds the old values
  const bad = tf.tensor1d([0.1, NaN, 0.2]);
  const norm = opt.step([bad], { ...settings, step: 2, weightDecay: 0.1, maxGradNorm: 1 });
  expect(Number.isNaN((await norm.data())[0])).toBe(true);
  const after = Array.from(await p.data());
  expect(after.map((x) => Number(x.toFixed(4)))).toEqual([0.9, 1.9, 2.9]);
  const { m } = await opt.readMoments();
  expect(Array.from(m[0]!).map((x) => Number(x.toFixed(4)))).toEqual([0.1, 0.1, 0.1]);
  const later = opt.step([ok], { ...settings, step: 3 });
  expect((await later.data())[0]).toBeCloseTo(Math.sqrt(3), 5); // still reported
  expect(Array.from(await p.data())).toEqual(after);
  opt.dispose();
  tf.dispose([p, snapshot, ok, bad, norm, later]);
});

it('reports [loss, norm] in one tensor without another dispatch', async () => {
  const p = tf.variable(tf.tensor1d([0.5, -0.5]), true, `fused_adamw_test/report/${Math.random()}`);
  const opt = new FusedAdamW([p]);
  const g = tf.tensor1d([3, 4]);
  const loss = tf.scalar(1.25);
  const counter = installWebGpuCounters();
  const both = opt.stepReporting([g], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1, step: 1 }, loss);
  expect(counter.snapshot().dispatches).toBe(2);
  counter.uninstall();
  expect(Array.from(await both.data())).toEqual([1.25, 5]);
  expect(() => opt.stepReporting([g], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxGradNorm: 1, step: 2 }, g as unknown as tf.Scalar)).toThrow(/float32 scalar/);
  opt.dispose();
  tf.dispose([p, g, loss, both]);
});

it('moments written back are the moments the next step uses', async () => {
  const p = tf.variable(tf.tensor1d([0, 0]), true, `fused_adamw_test/state/${Math.random()}`);
  const opt = new FusedAdamW([p]);
  opt.writeMoments([new Float32Array([1, -1])], [new Float32Array([4, 4])]);
  const g = tf.tensor1d([0, 0]);
  opt.step([g], { lr: 1, beta1: 0.5, beta2: 0.5, eps: 0, weightDecay: 0, maxGradNorm: null, step: 1 }).dispose();
  // m = 0.5·(1, −1), v = 0.5·4 = 2, step size 1/(1−0.5) = 2, √v/√(1−0.5) = 2 → p = −2·(0.5/2, −0.5/2)
  expect(Array.from(await p.data())).toEqual([-0.5, 0.5]);
  opt.dispose();
  tf.dispose([p, g]);
});
