import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FusedAdamW } from '../kernels/webgpu/fused-adamw.js';
import { openCountedSoftwareWebGpu } from './counted-software-webgpu.js';
import type { WebGpuCounter } from './webgpu-counters.js';
import { summarizeGpuTimes, timeWebGpuDispatches } from './webgpu-gpu-time.js';

let counter: WebGpuCounter;
beforeAll(async () => {
  counter = await openCountedSoftwareWebGpu();
});
afterAll(() => counter.uninstall());

const filled = (shape: number[], seed: number) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5), shape);
};

/**
 * A region of our kernels and tfjs's programs, and an optimizer step whose dispatches lie outside any tfjs kernel:
 * a product large enough for the engine's GEMM, a conv (the engine's implicit GEMM), tfjs's elementwise and
 * reductions, then one fused AdamW update of two variables.
 */
function fixture() {
  const a = filled([256, 16], 1);
  const b = filled([16, 256], 2);
  const x = filled([4, 16, 16, 8], 3) as tf.Tensor4D;
  const w = filled([3, 3, 8, 32], 4) as tf.Tensor4D;
  const p = [tf.variable(filled([300], 5), true, `gpu_time/p0/${Math.random()}`), tf.variable(filled([7, 3], 6), true, `gpu_time/p1/${Math.random()}`)];
  const opt = new FusedAdamW(p);
  let step = 0;
  return {
    region(): tf.Tensor[] {
      const y = tf.tidy(() => tf.sum(tf.relu(tf.matMul(a, b)), 1));
      const z = tf.tidy(() => tf.mean(tf.conv2d(x, w, 1, 'same'), [0, 1, 2]));
      const g = [tf.mul(p[0]!, 0.5), tf.add(p[1]!, 1)];
      const norm = opt.step(g, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1.0, step: ++step });
      tf.dispose(g);
      return [y, z, norm];
    },
    read: async () => Promise.all(p.map(async (v) => Array.from(await v.data()))),
    dispose() {
      tf.dispose([a, b, x, w, ...p]);
      opt.dispose();
    },
  };
}

it('times every dispatch of a region, ours included, under the labels the dispatch counters use', async () => {
  const f = fixture();
  tf.dispose(f.region()); // compiles the pipelines
  await f.read();
  counter.reset();
  const timed = await timeWebGpuDispatches(() => f.region());
  const counted = counter.snapshot();
  const summary = summarizeGpuTimes(timed.dispatches, 1, timed.timestamps);
  expect(timed.dispatches).toHaveLength(counted.dispatches);
  expect(Object.fromEntries(summary.rows.map((r) => [r.label, r.dispatches]))).toEqual(counted.byProgram);
  // Ours: the GEMM behind matMul and conv2d, the optimizer's two dispatches (outside any tfjs kernel); tfjs's too.
  const labels = timed.dispatches.map((d) => d.label);
  expect(labels).toEqual(expect.arrayContaining(['BatchMatMul/dgmGemm', 'Conv2D/dgmGemm', 'DgmAdamW/sumSquares', 'DgmAdamW/update', 'Relu/unary']));
  // This adapter has no timestamp-query: labels and counts only.
  expect(timed.timestamps).toBe(false);
  expect(timed.dispatches.every((d) => d.ms === 0)).toBe(true);
  tf.dispose(timed.value);
  f.dispose();
});

it('leaves the results as an untimed run gives them (a pass per dispatch changes nothing but the schedule)', async () => {
  const untimed = fixture();
  const timedRun = fixture();
  const outputs = async (ts: tf.Tensor[]) => {
    const v = await Promise.all(ts.map(async (t) => Array.from(await t.data())));
    tf.dispose(ts);
    return v;
  };
  for (let k = 0; k < 2; k++) {
    const expected = await outputs(untimed.region());
    const got = await outputs((await timeWebGpuDispatches(() => timedRun.region())).value);
    expect(got).toEqual(expected);
  }
  expect(await timedRun.read()).toEqual(await untimed.read());
  untimed.dispose();
  timedRun.dispose();
});

it('refuses a region inside another and restores the backend when the region throws', async () => {
  const x = tf.fill([64, 64], 0.25);
  let inner: Promise<unknown> | undefined;
  const outer = await timeWebGpuDispatches(() => {
    inner = timeWebGpuDispatches(() => tf.relu(x));
    return tf.relu(x);
  });
  await expect(inner).rejects.toThrow(/already being timed/);
  expect(outer.dispatches.map((d) => d.label)).toEqual(['Relu/unary']);
  // An asynchronous region would leave what it awaits untimed.
  await expect(timeWebGpuDispatches(async () => tf.relu(x))).rejects.toThrow(/returned a promise/);
  await expect(
    timeWebGpuDispatches(() => {
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  const backend = tf.backend() as unknown as { activeTimers?: unknown };
  expect(backend.activeTimers ?? null).toBeNull();
  // Untimed work goes on as before, and a later region is timed again.
  counter.reset();
  const y = tf.relu(x);
  expect(counter.snapshot().byProgram).toEqual({ 'Relu/unary': 1 });
  const again = await timeWebGpuDispatches(() => tf.relu(y));
  expect(again.dispatches.map((d) => d.label)).toEqual(['Relu/unary']);
  tf.dispose([x, y, outer.value, again.value]);
});
