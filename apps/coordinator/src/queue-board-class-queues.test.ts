import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

test('the queue board shows requirement-class queues once they have jobs', async () => {
  const names = async () => ((await h.app.inject({ url: '/queues/api/queues' })).json().queues as { name: string }[]).map((q) => q.name).sort();
  expect(await names()).toEqual(['ood', 'train']);
  const meta = 'project: f\nbase_config: {fixture: succeed, resources: {memory_gib: 32}}\nsweep_configuration:\n  points: {sweep: true, values: [1]}\n';
  const created = await h.app.inject({ method: 'POST', url: '/sweeps?kind=ood', headers: { 'content-type': 'application/yaml' }, payload: meta });
  expect(created.statusCode).toBe(201);
  expect(await names()).toEqual(['ood', 'ood-needs-any-32gib', 'train']);
});
