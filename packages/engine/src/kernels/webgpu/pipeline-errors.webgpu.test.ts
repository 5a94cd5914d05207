import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { activateSoftwareWebGpu } from '../../testing/software-webgpu.js';
import { pipelineFor, webGpuBackend } from './raw-dispatch.js';

// Named failure (met while writing the GEMM: a WGSL variable named `filter`, a reserved word): a shader the device
// rejects made every dispatch of it a no-op, and the conv's output silently zero.
beforeAll(async () => {
  tf.enableProdMode();
  await activateSoftwareWebGpu();
});

const BAD = () => `
@group(0) @binding(0) var<storage, read_write> filter: array<f32>;
@compute @workgroup_size(1) fn main() { filter[0] = 1.0; }`;
const GOOD = () => `
@group(0) @binding(0) var<storage, read_write> values: array<f32>;
@compute @workgroup_size(1) fn main() { values[0] = 1.0; }`;

const requestError = (key: string, wgsl: () => string): string => {
  try {
    pipelineFor(webGpuBackend(), key, wgsl);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

it('a shader the device rejects: asking for its pipeline again throws, naming the kernel and the reason', async () => {
  expect(requestError('test/bad-shader', BAD)).toBe(''); // compiled; the device's verdict arrives asynchronously
  await expect.poll(() => requestError('test/bad-shader', BAD)).toMatch(/^webgpu kernel test\/bad-shader: this device rejects its shader: .*'filter' is a reserved keyword/);
});

it('a shader the device accepts is unaffected', async () => {
  expect(requestError('test/good-shader', GOOD)).toBe('');
  await new Promise((r) => setTimeout(r, 200));
  expect(requestError('test/good-shader', GOOD)).toBe('');
});
