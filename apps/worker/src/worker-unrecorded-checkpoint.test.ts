import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

// Found by the chaos suite (worker kill -9 mid-training): a process killed after a handler wrote a checkpoint over its
// recorded one, before recording it, left a file whose sha256 no longer matched the record; with MODEL_DIR as the
// artifact store that file is the stored object itself, and every later attempt failed to restore it (corrupt).
test('a checkpoint written but not recorded when its process died is kept: the retry resumes from it and succeeds', async () => {
  const { jobIds } = await h.submit([{ fixture: 'unrecorded-checkpoint' }], { backoffMs: 50 });
  await h.worker({ isolation: 'process' });
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  expect({ state: job.state, error: job.error }).toEqual({ state: 'succeeded', error: null });
  expect(job).toMatchObject({ attempts: 2, summary: { resumedFrom: 2, attempt: 2 } });
  const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM point_results WHERE job_id = $1', [jobIds[0]]);
  expect(rows[0].n).toBe(3);
});
