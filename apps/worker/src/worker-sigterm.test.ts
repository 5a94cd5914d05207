import { once } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('SIGTERM: the running job checkpoints, is requeued, the worker exits 0; the next worker resumes it', async () => {
  const { jobIds } = await h.submit([{ fixture: 'counter', steps: 10, stepMs: 200 }]);
  const first = h.spawnWorker(['--isolation', 'process', '--shutdown-timeout', '20000']);
  await h.waitFor(jobIds[0]!, (j) => ((j.progress as { step?: number } | null)?.step ?? 0) >= 2, 60_000);
  const started = Date.now();
  first.kill('SIGTERM');
  const [code] = await once(first, 'exit');
  expect(code).toBe(0);
  expect(Date.now() - started).toBeLessThan(20_000);
  const interrupted = await h.job(jobIds[0]!);
  expect(interrupted.state).toBe('queued');
  expect(await h.attempts(jobIds[0]!)).toEqual([{ attempt: 1, outcome: 'interrupted', error: 'worker shut down' }]);

  await h.worker();
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  expect(job.state).toBe('succeeded');
  expect((job.summary as { resumedFrom: number }).resumedFrom).toBeGreaterThanOrEqual(2);
});
