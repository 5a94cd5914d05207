import { expect, test } from 'vitest';
import { completeAttempt, startAttempt } from './lifecycle.js';
import { reconcileQueues } from './reconcile.js';
import { useReconcileHarness } from './reconcile.test-support.js';
import { createSweep } from './sweeps.js';

const h = useReconcileHarness();

// Named failure fixture (seen once in the chaos suite: 1002 attempts for 1000 jobs): reconcile reads the queued jobs,
// then asks Redis about each in turn; a worker takes, runs and finishes one in between, its queue entry is removed on
// completion, and reconcile — seeing no entry — enqueued it again, so it ran twice.
test('a job that a worker ran and finished while reconcile was checking it is not enqueued again', async () => {
  const { jobs } = await createSweep(h.pool, {
    name: 'raced', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'raced0', point: {}, configJson: '{}', configHash: 'raced0' }],
  });
  const id = jobs[0]!.id;
  await h.pool.query(`UPDATE jobs SET state = 'queued', updated_at = now() - interval '1 hour' WHERE id = $1`, [id]);
  const getJobState = h.queues.ood.getJobState.bind(h.queues.ood);
  h.queues.ood.getJobState = async (jobId: string) => {
    // The worker's whole attempt happens between reconcile's query and its look at the queue.
    const started = await startAttempt(h.pool, jobId, { workerId: 'w:1', provenance: {} });
    if (started.status !== 'started') throw new Error('the attempt did not start');
    await completeAttempt(h.pool, jobId, started.job.attempt, undefined);
    return getJobState(jobId);
  };
  try {
    expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0 })).toEqual({ enqueued: 0, recovered: 0 });
  } finally {
    h.queues.ood.getJobState = getJobState;
  }
  expect(await h.queues.ood.getJobState(id)).toBe('unknown');
  expect((await h.pool.query(`SELECT state FROM jobs WHERE id = $1`, [id])).rows[0].state).toBe('succeeded');
});
