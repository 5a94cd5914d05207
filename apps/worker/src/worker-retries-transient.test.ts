import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('a transient failure is retried with backoff until it succeeds; every attempt is recorded', async () => {
  const { jobIds } = await h.submit([{ fixture: 'flaky', failTimes: 2 }], { maxAttempts: 3, backoffMs: 50 });
  await h.worker();
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job).toMatchObject({ state: 'succeeded', attempts: 3, summary: { attempt: 3 } });
  expect(await h.attempts(jobIds[0]!)).toEqual([
    { attempt: 1, outcome: 'failed', error: 'transient failure on attempt 1' },
    { attempt: 2, outcome: 'failed', error: 'transient failure on attempt 2' },
    { attempt: 3, outcome: 'succeeded', error: null },
  ]);
});

test('when the attempts run out the job fails with the last reason', async () => {
  const { jobIds } = await h.submit([{ fixture: 'flaky', failTimes: 5 }], { maxAttempts: 2, backoffMs: 50 });
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job).toMatchObject({ state: 'failed', attempts: 2, error: 'transient failure on attempt 2' });
});
