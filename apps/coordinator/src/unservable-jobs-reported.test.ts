import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
const workers: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  for (const worker of workers) await worker.close();
  await h?.close();
});

test('a queued job no live worker can serve is reported with what it needs and what workers have, then served when one joins', async () => {
  const meta = 'project: f\nbase_config: {fixture: succeed, trainer: {}}\nsweep_configuration:\n  resources: {sweep: true, values: [{device: gpu, memory_gib: 16}]}\n';
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta })).json();
  const [job] = (await h.app.inject({ url: `/sweeps/${created.id}/jobs` })).json().items as { id: string }[];

  const nobody = (await h.app.inject({ url: `/sweeps/${created.id}` })).json();
  expect(nobody.unservable).toEqual([
    { requirementClass: 'gpu-16gib', kind: 'train', queued: 1, message: expect.stringMatching(/^needs a gpu with at least 16 GiB; no live worker serves train jobs\. .*not failed/) },
  ]);

  const gauge = 'dgm_ood_unservable_jobs{kind="train",requirement_class="gpu-16gib"}';
  expect((await h.app.inject({ url: '/metrics' })).body).toContain(`${gauge} 1`);

  workers.push(await startFixtureWorker(h, { workerId: 'cpu-1' }));
  const cpuOnly = (await h.app.inject({ url: `/jobs/${job!.id}` })).json();
  expect(cpuOnly.state).toBe('queued');
  expect(cpuOnly.unservable).toEqual([
    { requirementClass: 'gpu-16gib', kind: 'train', queued: 1, message: expect.stringContaining('live train workers have: cpu-1 cpu with 8 GiB') },
  ]);

  workers.push(await startFixtureWorker(h, { workerId: 'gpu-1', resources: { device: 'gpu', memoryGib: 24, backend: 'webgpu', reason: 'test' } }));
  const done = await waitForSweep(h, created.id, (s) => s.status === 'succeeded');
  expect(done.unservable).toBeUndefined();
  const metrics = (await h.app.inject({ url: '/metrics' })).body;
  expect(metrics).not.toContain(gauge);
  expect(metrics).toContain('dgm_ood_live_workers{device="gpu"} 1');
  expect((await h.app.inject({ url: `/jobs/${job!.id}` })).json()).toMatchObject({ state: 'succeeded', workerId: 'gpu-1' });
});
