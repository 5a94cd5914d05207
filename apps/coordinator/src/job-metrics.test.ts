import { afterAll, beforeAll, expect, test } from 'vitest';
import { recordMetrics, startAttempt, StaleAttemptError } from '@dgm-ood/jobs';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

test("GET /jobs/:id/metrics serves a job's series; a redone step replaces its value; a stale attempt is refused", async () => {
  const created = await h.app.inject({
    method: 'POST',
    url: '/sweeps?kind=train',
    headers: { 'content-type': 'application/yaml' },
    payload: 'project: m\nbase_config: {fixture: succeed}\nsweep_configuration:\n  a: {sweep: true, values: [1]}\n',
  });
  const jobId = (await h.app.inject({ url: `/sweeps/${created.json().id}/jobs` })).json().items[0].id as string;
  await startAttempt(h.pool, jobId, { workerId: 'w1' });
  const step = (s: number, value: number) => ({ name: 'nll', scope: 'step' as const, step: s, epoch: 0, value });
  await recordMetrics(h.pool, jobId, 1, [step(1, 3.0), step(2, 2.5), step(3, 2.2), { name: 'valid_nll', scope: 'epoch', step: 0, epoch: 0, value: 2.4 }]);
  await startAttempt(h.pool, jobId, { workerId: 'w2' });
  // The second attempt resumed from a checkpoint at step 2 and redid step 3; NaN is stored as null.
  await recordMetrics(h.pool, jobId, 2, [step(3, 2.1), step(4, Number.NaN)]);
  await expect(recordMetrics(h.pool, jobId, 1, [step(5, 1)])).rejects.toBeInstanceOf(StaleAttemptError);

  const all = (await h.app.inject({ url: `/jobs/${jobId}/metrics` })).json();
  expect(all.series.map((s: { scope: string; name: string }) => `${s.scope}/${s.name}`)).toEqual(['step/nll', 'epoch/valid_nll']);
  expect(all.series[0].points).toEqual([
    { step: 1, epoch: 0, value: 3, attempt: 1 },
    { step: 2, epoch: 0, value: 2.5, attempt: 1 },
    { step: 3, epoch: 0, value: 2.1, attempt: 2 },
    { step: 4, epoch: 0, value: null, attempt: 2 },
  ]);
  const epochs = (await h.app.inject({ url: `/jobs/${jobId}/metrics?scope=epoch` })).json();
  expect(epochs.series).toEqual([{ name: 'valid_nll', scope: 'epoch', points: [{ step: 0, epoch: 0, value: 2.4, attempt: 1 }] }]);
  expect((await h.app.inject({ url: '/jobs/00000000-0000-4000-8000-000000000000/metrics' })).statusCode).toBe(404);
});
