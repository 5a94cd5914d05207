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

test('a job with resources waits in its requirement class queue; one without stays on the default queue', async () => {
  const meta = [
    'project: f',
    'base_config: {fixture: succeed, trainer: {}}',
    'sweep_configuration:',
    '  resources: {sweep: true, values: [{device: gpu, memory_gib: 16}, {device: any}]}',
    '',
  ].join('\n');
  const response = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta });
  expect(response.statusCode).toBe(201);
  const created = response.json();
  const jobs = (await h.app.inject({ url: `/sweeps/${created.id}/jobs` })).json().items as { id: string; gridIndex: number }[];
  const [gpuJob, anyJob] = [...jobs].sort((a, b) => a.gridIndex - b.gridIndex);

  const classQueue = queueFor(h.queues, 'train', 'gpu-16gib');
  expect(classQueue.name).toBe('train-needs-gpu-16gib');
  expect((await classQueue.getWaiting()).map((j) => j.data.jobId)).toEqual([gpuJob!.id]);
  expect((await h.queues.train.getWaiting()).map((j) => j.data.jobId)).toEqual([anyJob!.id]);
  const { rows } = await h.pool.query('SELECT name, device, memory_gib FROM requirement_classes');
  expect(rows).toEqual([{ name: 'gpu-16gib', device: 'gpu', memory_gib: 16 }]);
  // No worker is live: the submission says so, naming the class and what it needs.
  expect(created.warnings).toContainEqual(expect.stringMatching(/^jobs of requirement class gpu-16gib needs a gpu with at least 16 GiB; no live worker serves train jobs\. The jobs stay queued/));
});
