import { afterAll, beforeAll, expect, test } from 'vitest';
import { queueFor } from '@dgm-ood/queue';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

test('cancelling a sweep clears its jobs from requirement-class queues too', async () => {
  const meta = 'project: f\nbase_config: {fixture: succeed, trainer: {}}\nsweep_configuration:\n  resources: {sweep: true, values: [{device: gpu}, {device: any}]}\n  points: {sweep: true, values: [1, 2]}\n';
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta })).json();
  expect(created.jobCount).toBe(4);
  const classQueue = queueFor(h.queues, 'train', 'gpu');
  expect(await classQueue.getWaitingCount()).toBe(2);
  expect(await h.queues.train.getWaitingCount()).toBe(2);

  const cancelled = await h.app.inject({ method: 'POST', url: `/sweeps/${created.id}/cancel` });
  expect(cancelled.json()).toEqual({ cancelled: 4, stopping: 0 });
  expect(await classQueue.getWaitingCount()).toBe(0);
  expect(await h.queues.train.getWaitingCount()).toBe(0);
  // Their job hashes went too: nothing of the sweep is left for a worker.
  expect(await h.redis.keys(`${h.config.queuePrefix}:train-needs-gpu:*-*`)).toEqual([]);
});
