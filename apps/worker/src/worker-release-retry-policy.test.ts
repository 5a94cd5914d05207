import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test("a job released by its prerequisite's success is enqueued with its own sweep's retry policy", async () => {
  const train = await h.submit([{ fixture: 'noop' }], { kind: 'train' });
  const ood = await h.submit([{ fixture: 'noop' }], { kind: 'ood', maxAttempts: 4, backoffMs: 123, dependsOn: [[train.jobIds[0]!]] });
  await h.worker();
  expect((await h.waitFor(ood.jobIds[0]!, isTerminal)).state).toBe('succeeded');
  const queued = await h.queues.ood.getJob(ood.jobIds[0]!);
  expect(queued?.opts).toMatchObject({ attempts: 4, backoff: { type: 'exponential', delay: 123 } });
});
