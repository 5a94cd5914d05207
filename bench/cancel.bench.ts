// Cancelling a large sweep: a 100,000-job sweep (fixture jobs, nothing runs them) submitted, then
// POST /sweeps/:id/cancel timed, with the longest /healthz latency measured while the cancel runs.
// Run: pnpm bench:cancel [jobs]
import { performance } from 'node:perf_hooks';
import { createCoordinatorHarness } from '../apps/coordinator/src/testing/harness.js';
import { probeHealthz } from './healthz-probe.js';

const jobs = Number(process.argv[2] ?? 100_000);
// A grid of exactly `jobs` cells: 100 × (jobs / 100).
const side = 100;
const values = (n: number) => `[${Array.from({ length: n }, (_, i) => String(i)).join(', ')}]`;
const META = `
project: bench
sweep_name: cancel-${jobs}
base_config: {fixture: noop}
sweep_configuration:
  a: {sweep: true, values: ${values(side)}}
  b: {sweep: true, values: ${values(Math.floor(jobs / side))}}
`;

const harness = await createCoordinatorHarness();
const { app, queues } = harness;
try {
  await app.inject({ url: '/healthz' });
  const t0 = performance.now();
  const created = await app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: META });
  if (created.statusCode !== 201) throw new Error(`POST /sweeps answered ${created.statusCode}: ${created.body.slice(0, 300)}`);
  const { id, jobCount } = created.json() as { id: string; jobCount: number };
  console.log(`submitted ${jobCount.toLocaleString('en-US')} jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s; queue holds ${(await queues.train.getWaitingCount()).toLocaleString('en-US')}`);

  const probe = probeHealthz(app);
  const t1 = performance.now();
  const cancelled = await app.inject({ method: 'POST', url: `/sweeps/${id}/cancel` });
  const seconds = (performance.now() - t1) / 1000;
  const longestHealthMs = await probe.stop();
  console.log(`POST /sweeps/:id/cancel: ${cancelled.statusCode} ${cancelled.body} in ${seconds.toFixed(2)} s; queue holds ${(await queues.train.getWaitingCount()).toLocaleString('en-US')}; longest /healthz during it ${longestHealthMs.toFixed(0)} ms`);
} finally {
  await harness.close();
}
