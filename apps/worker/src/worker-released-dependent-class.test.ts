import { afterAll, beforeAll, expect, test } from 'vitest';
import { queueFor } from '@dgm-ood/queue';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h?.close();
});

test('a dependent job with resources, released when its prerequisite succeeds, waits in its class queue (not the default one)', async () => {
  const train = await h.submit([{ fixture: 'succeed' }]);
  const ood = await h.submit([{ fixture: 'succeed', resources: { device: 'gpu' } }], { kind: 'ood', dependsOn: [[train.jobIds[0]!]] });
  expect(await h.job(ood.jobIds[0]!)).toMatchObject({ state: 'waiting' });
  await h.worker();
  expect(await h.waitFor(train.jobIds[0]!, isTerminal)).toMatchObject({ state: 'succeeded' });
  expect(await h.waitFor(ood.jobIds[0]!, (j) => j.state !== 'waiting')).toMatchObject({ state: 'queued', attempts: 0 });
  // The worker enqueues right after the commit that released it: wait until the entry is in one of the two queues.
  const classQueue = queueFor(h.queues, 'ood', 'gpu');
  for (let polls = 0; (await classQueue.getWaitingCount()) + (await h.queues.ood.getWaitingCount()) === 0; polls++) {
    if (polls > 300) throw new Error('the released job never reached a queue');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect((await classQueue.getWaiting()).map((j) => j.id)).toEqual([ood.jobIds[0]]);
  expect(await h.queues.ood.getWaitingCount()).toBe(0);
});
