import { expect, test } from 'vitest';
import { enqueueJobs } from '@dgm-ood/queue';
import { startAttempt } from './lifecycle.js';
import { reconcileQueues } from './reconcile.js';
import { useReconcileHarness } from './reconcile.test-support.js';
import { createSweep } from './sweeps.js';

const h = useReconcileHarness();

async function sweepOf(name: string, count: number) {
  return createSweep(h.pool, {
    name, kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: Array.from({ length: count }, (_, i) => ({ gridIndex: i, name: `${name}${i}`, point: {}, configJson: '{}', configHash: `${name}${i}` })),
  });
}

// Named failure fixture: Redis restarted without persistence (every queue entry gone) while a worker ran a job,
// then the worker was killed -9. Postgres still says `running`; nothing would ever run the job again.
test('a running job that no worker holds and no queue knows is requeued, its attempt ended as lost', async () => {
  const { sweepId, jobs } = await sweepOf('lost', 2);
  const [lost, held] = jobs.map((j) => j.id) as [string, string];
  for (const id of [lost, held]) await startAttempt(h.pool, id, { workerId: 'dead:1', provenance: {} });
  // The second is still in a queue (waiting: BullMQ moved a stalled job back): a worker will take it.
  await enqueueJobs(h.queues, [{ jobId: held, sweepId, kind: 'train' }]);
  await h.pool.query(`UPDATE jobs SET updated_at = now() - interval '10 minutes' WHERE sweep_id = $1`, [sweepId]);

  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0, lostAfterMs: 60_000 })).toEqual({ enqueued: 1, recovered: 1 });
  const { rows } = await h.pool.query(`SELECT id, state FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`, [sweepId]);
  expect(rows.map((r) => r.state)).toEqual(['queued', 'running']);
  expect((await h.queues.train.getWaiting()).map((j) => j.id).sort()).toEqual([lost, held].sort());
  const attempt = await h.pool.query(`SELECT outcome, error FROM job_attempts WHERE job_id = $1`, [lost]);
  expect(attempt.rows[0]).toMatchObject({ outcome: 'interrupted', error: expect.stringContaining('lost: no worker held it') });
});

test('a running job touched recently is left alone (its worker may be between reports)', async () => {
  const { jobs } = await sweepOf('fresh', 1);
  await startAttempt(h.pool, jobs[0]!.id, { workerId: 'w:1', provenance: {} });
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0, lostAfterMs: 60_000 })).toMatchObject({ recovered: 0 });
  expect((await h.pool.query(`SELECT state FROM jobs WHERE id = $1`, [jobs[0]!.id])).rows[0].state).toBe('running');
});

// Named failure fixture: the job's Redis hash survived but its entry in the wait list did not. Adding the same id
// again is a no-op in BullMQ: reconcile used to log "re-enqueued" every pass while nothing was queued.
test('a queued job whose hash outlived its list entry is really enqueued again', async () => {
  const { sweepId, jobs } = await sweepOf('hash', 1);
  const id = jobs[0]!.id;
  await enqueueJobs(h.queues, [{ jobId: id, sweepId, kind: 'train' }]);
  await h.redis.lrem(`${h.prefix}:train:wait`, 0, id);
  expect(await h.queues.train.getJobState(id)).toBe('unknown');
  await h.pool.query(`UPDATE jobs SET updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0 })).toMatchObject({ enqueued: 1 });
  expect(await h.queues.train.getJobState(id)).toBe('waiting');
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0 })).toMatchObject({ enqueued: 0 });
});

test('passes never overlap: a second call while one runs gets that pass, not a second enqueue', async () => {
  const { jobs } = await sweepOf('overlap', 3);
  await h.pool.query(`UPDATE jobs SET updated_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [jobs.map((j) => j.id)]);
  const [a, b] = await Promise.all([reconcileQueues(h.pool, h.queues, { graceMs: 0 }), reconcileQueues(h.pool, h.queues, { graceMs: 0 })]);
  expect(a).toBe(b);
  expect(a.enqueued).toBe(3);
});
