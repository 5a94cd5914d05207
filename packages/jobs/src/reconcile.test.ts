import { expect, test } from 'vitest';
import { enqueueJobs } from '@dgm-ood/queue';
import { reconcileQueues } from './reconcile.js';
import { useReconcileHarness } from './reconcile.test-support.js';
import { createSweep } from './sweeps.js';

const h = useReconcileHarness();

test('jobs queued in Postgres but missing from Redis are enqueued again, the others left alone', async () => {
  const { sweepId, jobs } = await createSweep(h.pool, {
    name: 'r', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [0, 1, 2].map((i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: '{}', configHash: `h${i}` })),
  });
  // Only job 0 made it into the queue (as if the coordinator died after the commit).
  await enqueueJobs(h.queues, [{ jobId: jobs[0]!.id, sweepId, kind: 'train' }]);
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0 })).toEqual({ enqueued: 2, recovered: 0 });
  const waiting = await h.queues.train.getWaiting();
  expect(waiting.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0 })).toEqual({ enqueued: 0, recovered: 0 });
});

test('fresh submissions are not raced: jobs younger than the grace period are skipped', async () => {
  await createSweep(h.pool, {
    name: 'fresh', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{}', configHash: 'h' }],
  });
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 60_000 })).toEqual({ enqueued: 0, recovered: 0 });
});

test('waiting jobs whose prerequisite succeeded are released; those whose prerequisite failed fail', async () => {
  const train = await createSweep(h.pool, {
    name: 'pre', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [0, 1].map((i) => ({ gridIndex: i, name: `t${i}`, point: {}, configJson: '{}', configHash: `t${i}` })),
  });
  const [ok, bad] = train.jobs.map((j) => j.id);
  const ood = await createSweep(h.pool, {
    name: 'dep', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [ok!, bad!].map((dep, i) => ({ gridIndex: i, name: `o${i}`, point: {}, configJson: '{}', configHash: `o${i}`, dependsOn: [dep] })),
  });
  expect(ood.jobs.map((j) => j.state)).toEqual(['waiting', 'waiting']);
  // As if the transitions had happened without their follow-up (a crash in between).
  await h.pool.query(`UPDATE jobs SET state = 'succeeded' WHERE id = $1`, [ok]);
  await h.pool.query(`UPDATE jobs SET state = 'failed', error = 'boom' WHERE id = $1`, [bad]);
  await reconcileQueues(h.pool, h.queues, { graceMs: 0 });
  const { rows } = await h.pool.query(`SELECT state, error FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`, [ood.sweepId]);
  expect(rows[0]).toEqual({ state: 'queued', error: null });
  expect(rows[1].state).toBe('failed');
  expect(rows[1].error).toMatch(/^dependency failed: job 1 \(t1\) of sweep pre failed: boom$/);
  expect((await h.queues.ood.getJob(ood.jobs[0]!.id))?.id).toBe(ood.jobs[0]!.id);
});
