/** POST /sweeps expands in a thread: the event loop never runs an expansion, and /healthz answers while one runs. */
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { costlyMetaConfig } from '../../../test/fixtures/costly-meta-config.js';

// In this process the expansion must never run: the coordinator hands it to an expansion thread (which loads the
// real module in a thread of its own).
vi.mock('@dgm-ood/metaconfig', async (original) => ({
  ...(await original<typeof import('@dgm-ood/metaconfig')>()),
  expandMetaConfig: () => {
    throw new Error('expandMetaConfig ran on the event loop');
  },
}));
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  // Budgets an expansion of minutes stays within.
  h = await createCoordinatorHarness({ expansionMaxSteps: Number.MAX_SAFE_INTEGER, expansionDeadlineMs: 3_600_000 });
});
afterAll(async () => {
  await h?.close();
});

test('a submission is expanded in a thread, not on the event loop', async () => {
  const response = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: upstreamFile('ood/ratios/grayscale_ratios.yaml') });
  expect(response.statusCode).toBe(201);
  expect(response.json().jobCount).toBe(16);
});

test('/healthz answers while an expansion of minutes runs (after it started, before it ended)', async () => {
  let posted = false;
  const started = new Promise((resolve) => h.app.submissionExpander.threads.once('started', resolve));
  const post = h.app
    .inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: costlyMetaConfig() })
    .finally(() => (posted = true));
  await started;
  for (let i = 0; i < 5; i++) {
    const health = await h.app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(200);
  }
  expect(posted).toBe(false);
  // The expansion would go on for minutes: closing the coordinator terminates its thread and ends the request.
  await h.app.submissionExpander.close();
  const response = await post;
  expect([response.statusCode, response.json().code]).toEqual([503, 'DGM_SERVICE_UNAVAILABLE']);
});
