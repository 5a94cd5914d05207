import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from './autodiff/rng.js';
import { memorySnapshot, trainStep } from './memory/tensor-scope.js';
import { setUpBackends } from './testing/backends.js';
import { activateSoftwareWebGpu } from './testing/software-webgpu.js';

// The software WebGPU suite (vitest.webgpu.config.ts): a missing adapter fails here, it never skips.
beforeAll(async () => {
  await setUpBackends('cpu');
  await activateSoftwareWebGpu();
});
afterAll(() => tf.setBackend('cpu'));

const STEPS = 4;

/** Adam steps of conv → relu → global mean → dense on `backend`, from the same start on every backend. */
async function adamLosses(backend: string): Promise<{ losses: number[]; leaked: { before: object; after: object } }> {
  await tf.setBackend(backend);
  const draw = (shape: number[], seed: number, scale: number) => tf.tensor(new Rng(seed).fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -scale, scale), shape);
  const x = draw([4, 6, 6, 2], 11, 1) as tf.Tensor4D;
  const y = draw([4, 3], 12, 1);
  const w = tf.variable(draw([3, 3, 2, 5], 13, 0.5));
  const d = tf.variable(draw([5, 3], 14, 0.5));
  const loss = () => tf.mean(tf.square(tf.sub(tf.matMul(tf.mean(tf.relu(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')), [1, 2]), d), y))) as tf.Scalar;
  const optimizer = tf.train.adam(0.05);
  const losses = [await trainStep('step 0', optimizer, loss, [w, d])]; // creates Adam's slots
  const before = memorySnapshot();
  for (let i = 1; i < STEPS; i++) losses.push(await trainStep(`step ${i}`, optimizer, loss, [w, d]));
  const after = memorySnapshot();
  optimizer.dispose();
  tf.dispose([x, y, w, d]);
  return { losses, leaked: { before, after } };
}

describe('training steps on the software WebGPU adapter', () => {
  it('Adam on a conv + dense net follows the cpu trajectory step by step and leaks no tensor or GPU buffer', async () => {
    const cpu = await adamLosses('cpu');
    const gpu = await adamLosses('webgpu');
    expect(gpu.leaked.after).toEqual(gpu.leaked.before);
    expect(gpu.losses).toHaveLength(STEPS);
    // The loss moves (the steps did something) and webgpu's matches cpu's at every step.
    expect(cpu.losses.at(-1)!).toBeLessThan(cpu.losses[0]!);
    for (let i = 0; i < STEPS; i++) expect(Math.abs(gpu.losses[i]! - cpu.losses[i]!)).toBeLessThan(1e-4 * cpu.losses[i]!);
  });
});
