import { expect, test } from 'vitest';
import { enqueueJobs, queueFor } from '@dgm-ood/queue';
import { reconcileQueues } from './reconcile.js';
import { useReconcileHarness } from './reconcile.test-support.js';
import { createSweep } from './sweeps.js';

const h = useReconcileHarness();

test('a lost job with resources is enqueued again into its requirement class queue, and one held there is left alone', async () => {
  const config = JSON.stringify({ fixture: 'succeed', resources: { device: 'gpu', memory_gib: 24 } });
  const { sweepId, jobs } = await createSweep(h.pool, {
    name: 'r', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [0, 1].map((i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: config, configHash: `h${i}` })),
  });
  const [held, lost] = jobs.map((j) => j.id) as [string, string];
  await enqueueJobs(h.queues, [{ jobId: held, sweepId, kind: 'train', requirementClass: 'gpu-24gib' }]);
  expect(await reconcileQueues(h.pool, h.queues, { graceMs: 0 })).toEqual({ enqueued: 1, recovered: 0 });
  const waiting = await queueFor(h.queues, 'train', 'gpu-24gib').getWaiting();
  expect(waiting.map((j) => j.id).sort()).toEqual([held, lost].sort());
  expect(await h.queues.train.getWaitingCount()).toBe(0);
});
