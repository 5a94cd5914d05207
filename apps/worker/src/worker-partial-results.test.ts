import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('rows written by a failed attempt are replaced: the final rows are exactly the successful attempt\'s', async () => {
  const { jobIds } = await h.submit([{ fixture: 'partial', points: 10 }], { backoffMs: 50 });
  await h.worker();
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job).toMatchObject({ state: 'succeeded', attempts: 2 });
  const { rows } = await h.pool.query(
    'SELECT point_index FROM point_results WHERE job_id = $1 ORDER BY point_index',
    [jobIds[0]],
  );
  expect(rows.map((r) => r.point_index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});
