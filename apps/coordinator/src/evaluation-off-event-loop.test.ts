import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { ingestPointResults } from '@dgm-ood/db';

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

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const POINTS = 1200; // per side: the exact dual-threshold frontier and its bootstrap take seconds

/** A finished OOD sweep of two scored jobs (FMNIST test vs MNIST), written straight to the database. */
async function largeScoredSweep(): Promise<string> {
  const { rows: [sweep] } = await h.pool.query(`INSERT INTO sweeps (name, kind, source_text, status) VALUES ('big', 'ood', '', 'running') RETURNING id`);
  let seed = 7;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (const [index, dataset] of ['fashion-mnist', 'mnist'].entries()) {
    const config = {
      base_model: { checkpoint_dir: 'fmnist.pt', config_dir: 'fmnist.json' },
      data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { dataloader_args: { dataset } } },
      ood: { method: 'ood.methods.intrinsic_dimension.FlowIntrinsicDimensionOODDetection' },
    };
    const { rows: [job] } = await h.pool.query(
      `INSERT INTO jobs (sweep_id, grid_index, name, point, config, config_hash, workdir_key, state)
       VALUES ($1, $2, $3, '{}', $4, $5, $5, 'succeeded') RETURNING id`,
      [sweep.id, index, `fashion-mnist_vs_${dataset}`, JSON.stringify(config), `h${index}`],
    );
    await ingestPointResults(h.pool, Array.from({ length: POINTS }, (_, i) => ({
      jobId: job.id, dataset, split: 'test', pointIndex: i,
      scores: { log_likelihood: random() * 100 + index * 20, lid: random() * 300 - index * 50 },
    })));
  }
  return sweep.id as string;
}

test('an O(n²) evaluation runs in the evaluation thread, and /healthz answers while it is computed', async () => {
  const sweepId = await largeScoredSweep();
  const evaluation = h.app.inject({ url: `/sweeps/${sweepId}/evaluation?refresh=true` });
  await new Promise((r) => setTimeout(r, 300));
  expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  const response = await evaluation;
  expect(response.statusCode).toBe(200);
  expect(response.json().rows[0]).toMatchObject({ positives: POINTS, negatives: POINTS, model: 'fmnist.pt' });
  expect(response.json().rows[0].metrics.map((m: { metric: string }) => m.metric)).toContain('auc:dual:log_likelihood+lid');
});

test('concurrent requests for one sweep share one computation', async () => {
  const sweepId = await largeScoredSweep();
  const first = h.app.sweepEvaluator.evaluate(sweepId);
  expect(h.app.sweepEvaluator.evaluate(sweepId)).toBe(first);
  expect((await first).rows).toHaveLength(1);
});

test("an evaluation row's plots (every scored row loaded, ROC curves, the dual frontier) are drawn in the thread too", async () => {
  const sweepId = await largeScoredSweep();
  const { rows } = await h.pool.query(`SELECT id FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`, [sweepId]);
  const [positive, negative] = rows.map((r: { id: string }) => r.id);
  const plots = h.app.inject({ url: `/sweeps/${sweepId}/evaluation/plots?positive=${positive}&negative=${negative}` });
  await new Promise((r) => setTimeout(r, 100));
  expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  const response = await plots;
  expect(response.statusCode).toBe(200);
  expect(response.json().sets.length).toBeGreaterThan(0);
  const missing = await h.app.inject({ url: `/sweeps/${sweepId}/evaluation/plots?positive=${negative}&negative=${negative}x` });
  expect(missing.statusCode).toBe(404);
});
