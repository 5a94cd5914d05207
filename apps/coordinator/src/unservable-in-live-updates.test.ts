import { expect, test } from 'vitest';
import { readEvents, useListeningCoordinator } from './testing/server-sent-events.js';

const live = useListeningCoordinator();

// The dashboard replaces its sweep with every live `sweep` event: one without `unservable` hid the notice at once.
test("a sweep's live events carry the unservable notice, as GET /sweeps/:id does", async () => {
  const meta = 'project: f\nbase_config: {fixture: succeed, trainer: {}, resources: {device: gpu, memory_gib: 16}}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n';
  const sweep = (await live.h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: meta })).json();
  const [job] = (await live.h.app.inject({ url: `/sweeps/${sweep.id}/jobs` })).json().items;
  const seen = readEvents(`${live.base}/sweeps/${sweep.id}/events`, (e) => e.event === 'jobs');
  setTimeout(() => void live.h.pool.query(`UPDATE jobs SET progress = '{"message": "touched"}', updated_at = now() WHERE id = $1`, [job.id]), 300);
  const sweepEvents = (await seen).filter((e) => e.event === 'sweep');
  expect(sweepEvents.length).toBeGreaterThanOrEqual(2); // the first, and the one the update caused
  for (const event of sweepEvents) {
    expect(event.data.unservable).toEqual([expect.objectContaining({ requirementClass: 'gpu-16gib', kind: 'train', queued: 2 })]);
  }
});
