import { afterAll, beforeAll, expect, test } from 'vitest';
import { queueFor, removeQueuedJobs } from '@dgm-ood/queue';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

test('a failed job with resources that is retried (sweep or job) goes back to its requirement class queue', async () => {
  const meta = 'project: f\nbase_config: {fixture: succeed, trainer: {}, resources: {device: gpu}}\nsweep_configuration:\n  points: {sweep: true, values: [1, 2]}\n';
  const created = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta })).json();
  const { rows } = await h.pool.query('SELECT id FROM jobs WHERE sweep_id = $1 ORDER BY grid_index', [created.id]);
  const ids = rows.map((r) => r.id as string);
  // As if a GPU worker had run and failed them for good.
  await removeQueuedJobs(h.queues, 'train', ids, h.redis);
  await h.pool.query(`UPDATE jobs SET state = 'failed', error = 'boom', attempts = max_attempts WHERE sweep_id = $1`, [created.id]);
  const classQueue = queueFor(h.queues, 'train', 'gpu');
  expect(await classQueue.getWaitingCount()).toBe(0);

  expect((await h.app.inject({ method: 'POST', url: `/jobs/${ids[0]}/retry` })).json()).toEqual({ id: ids[0], state: 'queued' });
  expect((await classQueue.getWaiting()).map((j) => j.id)).toEqual([ids[0]]);
  expect((await h.app.inject({ method: 'POST', url: `/sweeps/${created.id}/retry-failed` })).json()).toEqual({ requeued: 1 });
  expect((await classQueue.getWaiting()).map((j) => j.id).sort()).toEqual([...ids].sort());
  expect(await h.queues.train.getWaitingCount()).toBe(0);
});
