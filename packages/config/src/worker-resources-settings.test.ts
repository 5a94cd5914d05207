import { expect, test } from 'vitest';
import { loadConfig } from './env.js';

const load = (env: Record<string, string>) => loadConfig({ env, envFile: false });

test('DGM_OOD_WORKER_DEVICE and DGM_OOD_WORKER_MEMORY_GIB: unset by default; gpu|cpu and GiB with two decimals, else an error naming them', () => {
  const defaults = load({});
  expect(defaults.workerDevice).toBeUndefined();
  expect(defaults.workerMemoryGib).toBeUndefined();
  expect(defaults.workerHeartbeatMs).toBe(15_000);
  expect(load({ DGM_OOD_WORKER_DEVICE: 'gpu', DGM_OOD_WORKER_MEMORY_GIB: '79.5' })).toMatchObject({ workerDevice: 'gpu', workerMemoryGib: 79.5 });
  expect(() => load({ DGM_OOD_WORKER_DEVICE: 'tpu' })).toThrow(/DGM_OOD_WORKER_DEVICE: .*"tpu"/);
  for (const bad of ['0', '-1', '16GB', '1.234', '5000']) {
    expect(() => load({ DGM_OOD_WORKER_MEMORY_GIB: bad })).toThrow(`DGM_OOD_WORKER_MEMORY_GIB:`);
  }
});
