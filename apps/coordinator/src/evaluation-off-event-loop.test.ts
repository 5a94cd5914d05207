import { afterAll, beforeAll, expect, test, vi } from 'vitest';

// In this process the evaluation must never run: the coordinator hands it to its evaluation thread (which loads
// the real module in a thread of its own). Computing it here, on the event loop, is what froze /healthz.
vi.mock('@dgm-ood/jobs', async (original) => ({
  ...(await original<typeof import('@dgm-ood/jobs')>()),
  evaluateSweep: () => {
    throw new Error('evaluateSweep ran on the event loop');
  },
  loadScoredJobs: () => {
    throw new Error('loadScoredJobs ran on the event loop');
  },
}));
vi.mock('@dgm-ood/evaluation', async (original) => ({
  ...(await original<typeof import('@dgm-ood/evaluation')>()),
  evaluationPlots: () => {
    throw new Error('evaluationPlots ran on the event loop');
  },
}));
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';
import { insertScoredOodSweep } from './testing/scored-sweep.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const POINTS = 1200; // per side: the exact dual-threshold frontier and its bootstrap take seconds

/** A finished OOD sweep of two scored jobs (FMNIST test vs MNIST). */
async function largeScoredSweep(): Promise<{ sweepId: string; jobIds: string[] }> {
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const set = (dataset: string, index: number) => ({ dataset, scores: () => ({ log_likelihood: random() * 100 + index * 20, lid: random() * 300 - index * 50 }) });
  return insertScoredOodSweep(h.pool, 'big', [set('fashion-mnist', 0), set('mnist', 1)], POINTS);
}

test('an O(n²) evaluation runs in the evaluation thread, and /healthz answers while it is computed', async () => {
  const { sweepId } = await largeScoredSweep();
  const evaluation = h.app.inject({ url: `/sweeps/${sweepId}/evaluation?refresh=true` });
  await new Promise((r) => setTimeout(r, 300));
  expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  const response = await evaluation;
  expect(response.statusCode).toBe(200);
  expect(response.json().rows[0]).toMatchObject({ positives: POINTS, negatives: POINTS, model: 'fmnist.pt' });
  expect(response.json().rows[0].metrics.map((m: { metric: string }) => m.metric)).toContain('auc:dual:log_likelihood+lid');
});

test('concurrent requests for one sweep share one computation', async () => {
  const { sweepId } = await largeScoredSweep();
  const first = h.app.sweepEvaluator.evaluate(sweepId);
  expect(h.app.sweepEvaluator.evaluate(sweepId)).toBe(first);
  expect((await first).rows).toHaveLength(1);
});

test("an evaluation row's plots (every scored row loaded, ROC curves, the dual frontier) are drawn in the thread too", async () => {
  const { sweepId, jobIds: [positive, negative] } = await largeScoredSweep();
  const plots = h.app.inject({ url: `/sweeps/${sweepId}/evaluation/plots?positive=${positive}&negative=${negative}` });
  await new Promise((r) => setTimeout(r, 100));
  expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  const response = await plots;
  expect(response.statusCode).toBe(200);
  expect(response.json().sets.length).toBeGreaterThan(0);
  const missing = await h.app.inject({ url: `/sweeps/${sweepId}/evaluation/plots?positive=${negative}&negative=${negative}x` });
  expect(missing.statusCode).toBe(404);
});
