import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CoordinatorHarness } from './testing/harness.js';
import { finishedDaysAgo, storageHarness } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await storageHarness();
});
afterAll(async () => {
  await h?.close();
});

test('two deletions of one sweep at once: one deletes it, the other answers 404', async () => {
  for (let round = 0; round < 5; round++) {
    const { id } = await finishedDaysAgo(h.pool, `twice-${round}`, 1);
    const answers = await Promise.all([0, 1].map(() => h.app.inject({ method: 'DELETE', url: `/sweeps/${id}` })));
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 404]);
    expect(answers.find((a) => a.statusCode === 200)!.json()).toMatchObject({ deleted: true, jobs: 1 });
  }
});
