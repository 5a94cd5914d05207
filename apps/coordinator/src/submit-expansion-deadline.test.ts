/**
 * POST /sweeps: an expansion past DGM_OOD_EXPANSION_DEADLINE_MS is a located 422 DGM_EXPANSION_DEADLINE; one stuck
 * where nothing checks the clock has its thread terminated, and the next submission gets a fresh thread.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { COSTLY_SNIPPET, costlyMetaConfig } from '../../../test/fixtures/costly-meta-config.js';
import { SubmissionExpander } from './expansion/submission-expander.js';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ expansionMaxSteps: Number.MAX_SAFE_INTEGER, expansionDeadlineMs: 1 });
});
afterAll(async () => {
  await h?.close();
});

test('a tiny deadline: 422 DGM_EXPANSION_DEADLINE naming where the expansion stopped, and nothing stored', async () => {
  const response = await h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: costlyMetaConfig() });
  expect(response.statusCode).toBe(422);
  const body = response.json();
  expect(body.code).toBe('DGM_EXPANSION_DEADLINE');
  expect(body.message).toMatch(/^request body: the expansion ran past its deadline of 1 ms.*; DGM_OOD_EXPANSION_DEADLINE_MS sets the limit$/);
  // In the snippet (where nearly all of the time goes); between jobs when it passed before the first; or, on a
  // machine so loaded that the thread did not run for the second of grace, where its thread was stopped.
  const [issue] = body.errors;
  expect([
    { code: 'eval.deadline', ...COSTLY_SNIPPET },
    { code: 'expand.deadline', path: 'sweep_configuration', line: 3 },
    { code: 'expand.deadline', path: '<document>', line: undefined },
  ]).toContainEqual({ code: issue.code, path: issue.path, line: issue.line });
  expect(issue.file).toBe('request body');
  expect((await h.pool.query('SELECT count(*)::int AS n FROM sweeps')).rows[0].n).toBe(0);
});

test('an expansion stuck where nothing reads the clock: its thread is terminated after the grace, the request gets 422, the next one a fresh thread', async () => {
  // A deadline a normal expansion meets even on a loaded machine (a fresh thread warms up inside it): 50 ms did not.
  const expander = new SubmissionExpander({ maxSteps: 1000, deadlineMs: 3000 }, new URL('./expansion/testing/stuck-expansion-thread.ts', import.meta.url));
  try {
    const stuck = expander.expand({ source: `${upstreamFile('ood/ratios/grayscale_ratios.yaml')}\n# stuck\n`, format: 'yaml', file: 'stuck.yaml' });
    await expect(stuck).rejects.toMatchObject({
      code: 'DGM_EXPANSION_DEADLINE',
      statusCode: 422,
      message: 'stuck.yaml: the expansion ran past its deadline of 3000 ms and was stopped; DGM_OOD_EXPANSION_DEADLINE_MS sets the limit',
      errors: [{ code: 'expand.deadline', path: '<document>', file: 'stuck.yaml', message: 'the expansion ran past its deadline of 3000 ms and was stopped' }],
    });
    const next = await expander.expand({ source: upstreamFile('ood/ratios/grayscale_ratios.yaml'), format: 'yaml' });
    expect(next.jobs).toHaveLength(16);
  } finally {
    await expander.close();
  }
});
