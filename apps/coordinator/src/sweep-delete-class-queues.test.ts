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

test("deleting an active sweep (cancel=true) removes its jobs' entries from requirement-class queues; another sweep's stay", async () => {
  const meta = (project: string) => `project: ${project}\nbase_config: {fixture: succeed, trainer: {}, resources: {device: cpu, memory_gib: 4}}\nsweep_configuration:\n  points: {sweep: true, values: [1, 2, 3]}\n`;
  const post = async (project: string) => (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta(project) })).json();
  const doomed = await post('doomed');
  const kept = await post('kept');
  const classQueue = queueFor(h.queues, 'train', 'cpu-4gib');
  expect(await classQueue.getWaitingCount()).toBe(6);

  const response = await h.app.inject({ method: 'DELETE', url: `/sweeps/${doomed.id}?cancel=true` });
  expect(response.statusCode).toBe(200);
  expect(response.json()).toMatchObject({ deleted: true, jobs: 3, cancelled: 3 });
  expect((await classQueue.getWaiting()).map((j) => j.data.sweepId)).toEqual([kept.id, kept.id, kept.id]);
});
