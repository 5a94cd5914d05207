import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { openCountedSoftwareWebGpu } from '../profiling/counted-software-webgpu.js';

beforeAll(async () => {
  (await openCountedSoftwareWebGpu()).uninstall();
});

it('addN of more tensors than a shader may bind sums them all on webgpu (stock tfjs builds an invalid pipeline)', async () => {
  const limit = (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBuffersPerShaderStage;
  const n = 3 * limit + 2; // two levels of chunks and a leftover
  const terms = Array.from({ length: n }, (_, i) => tf.fill([1100], i + 1)); // > the CPU hand-off size
  const before = tf.memory().numTensors;
  const sum = tf.addN(terms);
  const v = await sum.data();
  expect(v[0]).toBe((n * (n + 1)) / 2);
  expect(v[1099]).toBe((n * (n + 1)) / 2);
  expect(tf.memory().numTensors).toBe(before + 1); // partial sums are freed
  // A short addN is the stock kernel: one dispatch, same values.
  const three = await tf.addN(terms.slice(0, 3)).data();
  expect(three[0]).toBe(6);
  tf.dispose([sum, ...terms]);
});
