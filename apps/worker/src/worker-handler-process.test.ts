import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('a handler that blocks its event loop longer than the lease does not lose the job (process isolation)', async () => {
  const { jobIds } = await h.submit([{ fixture: 'busy', blockMs: 3500 }]);
  await h.worker({ isolation: 'process', lockDurationMs: 1000, stalledIntervalMs: 500 });
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  expect(job).toMatchObject({ state: 'succeeded', attempts: 1 });
});

test('a handler process killed mid-job is a transient failure: the job is retried and succeeds', async () => {
  const { jobIds } = await h.submit([{ fixture: 'crash' }], { backoffMs: 50 });
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  expect(job).toMatchObject({ state: 'succeeded', attempts: 2, summary: { survivedOnAttempt: 2 } });
  const attempts = await h.attempts(jobIds[0]!);
  expect(attempts[0]!.outcome).toBe('failed');
  expect(attempts[0]!.error).toMatch(/handler process died \(signal SIGKILL\)/);
});
