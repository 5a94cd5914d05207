import { afterAll, beforeAll, expect, test } from 'vitest';
import { queueFor } from '@dgm-ood/queue';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

test('a cpu worker takes default jobs but not gpu jobs; a gpu worker with too little memory neither; one with enough takes them', async () => {
  const { jobIds } = await h.submit([{ fixture: 'succeed', resources: { device: 'gpu', memory_gib: 16 } }, { fixture: 'succeed' }]);
  const [gpuJob, plainJob] = jobIds as [string, string];

  const cpu = await h.worker({ workerId: 'cpu-worker' });
  expect(cpu.consumedQueues()).toEqual(['train', 'ood']);
  expect(await h.waitFor(plainJob, isTerminal)).toMatchObject({ state: 'succeeded' });
  const small = await h.worker({ workerId: 'small-gpu', resources: { device: 'gpu', memoryGib: 8, backend: 'webgpu', reason: 'test' } });
  await cpu.refreshRequirementClasses();
  expect(small.consumedQueues()).toEqual(['train', 'ood']);
  expect(cpu.consumedQueues()).toEqual(['train', 'ood']);
  // Nobody took it: still queued, no attempt, its entry waiting in the class queue.
  expect(await h.job(gpuJob)).toMatchObject({ state: 'queued', attempts: 0 });
  expect((await queueFor(h.queues, 'train', 'gpu-16gib').getWaiting()).map((j) => j.data.jobId)).toEqual([gpuJob]);

  const big = await h.worker({ workerId: 'big-gpu', resources: { device: 'gpu', memoryGib: 80, backend: 'webgpu', reason: 'test' } });
  expect(big.consumedQueues()).toEqual(['train', 'ood', 'train-needs-gpu-16gib', 'ood-needs-gpu-16gib']);
  expect(await h.waitFor(gpuJob, isTerminal)).toMatchObject({ state: 'succeeded', worker_id: 'big-gpu' });
  // Every worker advertised what it has.
  const { rows } = await h.pool.query('SELECT worker_id, device, memory_gib, classes FROM worker_heartbeats ORDER BY worker_id');
  expect(rows).toEqual([
    { worker_id: 'big-gpu', device: 'gpu', memory_gib: 80, classes: ['gpu-16gib'] },
    { worker_id: 'cpu-worker', device: 'cpu', memory_gib: 8, classes: [] },
    { worker_id: 'small-gpu', device: 'gpu', memory_gib: 8, classes: [] },
  ]);
});
