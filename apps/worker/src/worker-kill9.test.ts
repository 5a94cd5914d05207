import { once } from 'node:events';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('kill -9 of a worker mid-job: another worker takes the job over and it finishes with one set of rows', async () => {
  const { jobIds } = await h.submit([{ fixture: 'counter', steps: 12, stepMs: 150 }]);
  const first = h.spawnWorker(['--isolation', 'inline', '--lock-duration', '2000', '--stalled-interval', '1000']);
  await h.waitFor(jobIds[0]!, (j) => ((j.progress as { step?: number } | null)?.step ?? 0) >= 3, 60_000);
  first.kill('SIGKILL');
  await once(first, 'exit');

  await h.worker({ lockDurationMs: 2000, stalledIntervalMs: 1000 });
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  expect(job.state).toBe('succeeded');
  expect(job.attempts).toBe(2);
  const summary = job.summary as { resumedFrom: number; steps: number };
  expect(summary.resumedFrom).toBeGreaterThanOrEqual(3); // resumed from its checkpoint, not from zero
  expect(await h.attempts(jobIds[0]!)).toEqual([
    { attempt: 1, outcome: 'interrupted', error: null },
    { attempt: 2, outcome: 'succeeded', error: null },
  ]);
  const { rows } = await h.pool.query('SELECT count(*)::int AS n, count(DISTINCT point_index)::int AS d FROM point_results WHERE job_id = $1', [jobIds[0]]);
  expect(rows[0]).toEqual({ n: 12, d: 12 });
});
