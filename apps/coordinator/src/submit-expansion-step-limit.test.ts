/** POST /sweeps: an expansion whose dy__eval work adds up past DGM_OOD_EXPANSION_MAX_STEPS is a located 400. */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { COSTLY_SNIPPET, costlyMetaConfig } from '../../../test/fixtures/costly-meta-config.js';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ expansionMaxSteps: 5_000_000 });
});
afterAll(async () => {
  await h?.close();
});

test('10,000 jobs of a million-step snippet each (minutes of work) are refused by the step limit, naming the snippet and where it is', async () => {
  const response = await h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: costlyMetaConfig() });
  expect(response.statusCode).toBe(400);
  const body = response.json();
  expect(body.code).toBe('DGM_SWEEP_INVALID');
  expect(body.message).toMatch(new RegExp(`^request body: the expansion exceeded its budget of 5000000 evaluation steps .*, in heavy \\(at ${COSTLY_SNIPPET.path.replace(/[.[\]]/g, '\\$&')}, line 8\\); DGM_OOD_EXPANSION_MAX_STEPS sets the limit$`));
  expect(body.errors).toEqual([expect.objectContaining({ code: 'eval.step_limit', ...COSTLY_SNIPPET, file: 'request body' })]);
  expect((await h.pool.query('SELECT count(*)::int AS n FROM sweeps')).rows[0].n).toBe(0);
});
