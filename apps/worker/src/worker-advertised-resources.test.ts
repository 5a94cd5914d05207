import { totalmem } from 'node:os';
import { expect, test } from 'vitest';
import { detectWorkerResources } from './worker-resources.js';

const noGpu = async () => {
  throw new Error('Dawn found no WebGPU adapter');
};
const h100 = async () => ({ label: 'nvidia hopper NVIDIA H100 80GB HBM3' });

test('a worker advertises its backend device class and memory; settings override both; auto asks for a hardware GPU', async () => {
  const hostGib = Math.floor((totalmem() / 1024 ** 3) * 100) / 100;
  expect(await detectWorkerResources({ backend: 'wasm' }, h100)).toMatchObject({ device: 'cpu', memoryGib: hostGib, backend: 'wasm' });
  expect(await detectWorkerResources({ backend: 'webgpu' }, noGpu)).toMatchObject({ device: 'gpu', memoryGib: null });
  expect(await detectWorkerResources({ backend: 'auto' }, noGpu)).toMatchObject({ device: 'cpu', memoryGib: hostGib, reason: expect.stringContaining('no hardware GPU') });
  expect(await detectWorkerResources({ backend: 'auto' }, h100)).toMatchObject({ device: 'gpu', memoryGib: null, backend: 'webgpu', reason: expect.stringContaining('H100') });
  expect(await detectWorkerResources({ backend: 'auto', workerMemoryGib: 80 }, h100)).toMatchObject({ device: 'gpu', memoryGib: 80 });
  expect(await detectWorkerResources({ backend: 'webgpu', workerDevice: 'cpu', workerMemoryGib: 4 }, h100)).toMatchObject({ device: 'cpu', memoryGib: 4 });
});
