// A sweep's evaluation at scale through the coordinator: a finished OOD sweep of three scored jobs (the in-distribution
// test split and two OOD datasets, `points` each, continuous log-likelihood and LID) written straight to a throw-away
// database, then GET /sweeps/:id/evaluation?refresh=true timed while /healthz is asked every 20 ms; prints the
// evaluation time and the longest /healthz latency (goal: never above 200 ms), then the stored table's cached read.
// Run: pnpm bench:evaluation-service [pointsPerSide]   (default 100000)
import { performance } from 'node:perf_hooks';
import { createCoordinatorHarness } from '../apps/coordinator/src/testing/harness.js';
import { insertScoredOodSweep } from '../apps/coordinator/src/testing/scored-sweep.js';

const points = Number(process.argv[2] ?? 100_000);
const harness = await createCoordinatorHarness();
const { app, pool } = harness;
let seed = 11;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
try {
  const t0 = performance.now();
  // FMNIST-like test split (lower likelihood, higher LID) against two OOD sets that are more likely but lower-dimensional.
  const sets = ([['fashion-mnist', 0, 250], ['mnist', 0.8, 150], ['omniglot', 1.2, 120]] as const).map(([dataset, shift, lid]) => ({
    dataset,
    scores: () => ({ log_likelihood: gauss() + shift, lid: lid + 30 * gauss() }),
  }));
  const { sweepId } = await insertScoredOodSweep(pool, 'bench-evaluation', sets, points);
  console.log(`seeded 3 jobs × ${points.toLocaleString('en-US')} points in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  await app.inject({ url: '/healthz' });
  let longestHealthMs = 0;
  let probes = 0;
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const start = performance.now();
      const answer = await app.inject({ url: '/healthz' });
      if (answer.statusCode !== 200) throw new Error(`/healthz answered ${answer.statusCode}`);
      longestHealthMs = Math.max(longestHealthMs, performance.now() - start);
      probes++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t1 = performance.now();
  const evaluation = await app.inject({ url: `/sweeps/${sweepId}/evaluation?refresh=true` });
  const evaluationS = (performance.now() - t1) / 1000;
  probing = false;
  await probe;
  if (evaluation.statusCode !== 200) throw new Error(`evaluation answered ${evaluation.statusCode}: ${evaluation.body.slice(0, 300)}`);
  const table = evaluation.json() as { rows: { negatives: number; metrics: { metric: string; value: number; ci: { resamples: number } | null }[] }[] };
  console.log(`evaluation of ${table.rows.length} rows (${points.toLocaleString('en-US')} points per side): ${evaluationS.toFixed(1)} s`);
  for (const row of table.rows) {
    console.log(`  ${row.metrics.map((m) => `${m.metric} ${m.value.toFixed(4)}${m.ci ? ` [${m.ci.resamples} resamples]` : ' [no interval]'}`).join('; ')}`);
  }
  console.log(`/healthz during it: ${probes} answers, longest ${longestHealthMs.toFixed(1)} ms (goal ≤ 200 ms)`);
} finally {
  await harness.close();
}
