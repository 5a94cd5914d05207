import { afterAll, beforeAll, expect, test } from 'vitest';
import { cancelSweep } from '@dgm-ood/jobs';
import { removeQueuedJobs, requestCancellation } from '@dgm-ood/queue';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('cancelling a sweep stops its running job on the worker and drops its queued jobs', async () => {
  const { sweepId, jobIds } = await h.submit([{ fixture: 'hang' }, { fixture: 'succeed' }, { fixture: 'succeed' }]);
  await h.worker(); // concurrency 1: job 0 runs, jobs 1 and 2 wait behind it
  await h.waitFor(jobIds[0]!, (j) => j.state === 'running');
  const stopped = (await cancelSweep(h.pool, sweepId))!;
  expect(stopped.running).toEqual([jobIds[0]]);
  expect(stopped.notStarted.sort()).toEqual([jobIds[1], jobIds[2]].sort());
  await removeQueuedJobs(h.queues, 'train', stopped.notStarted, h.redis);
  await requestCancellation(h.redis, stopped.running);

  await h.waitFor(jobIds[0]!, (j) => j.state === 'cancelled');
  const attempts = await new Promise<Awaited<ReturnType<Harness['attempts']>>>((resolve) => {
    const poll = async () => {
      const a = await h.attempts(jobIds[0]!);
      if (a[0]?.outcome !== 'running') resolve(a);
      else setTimeout(poll, 100);
    };
    void poll();
  });
  expect(attempts).toEqual([{ attempt: 1, outcome: 'cancelled', error: null }]);
  for (const id of jobIds.slice(1)) {
    expect(await h.job(id)).toMatchObject({ state: 'cancelled', attempts: 0 });
  }
  const { rows } = await h.pool.query('SELECT status FROM sweeps WHERE id = $1', [sweepId]);
  expect(rows[0].status).toBe('cancelled');
  expect(isTerminal(await h.job(jobIds[0]!))).toBe(true);
});
