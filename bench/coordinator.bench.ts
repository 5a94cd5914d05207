// Coordinator/worker throughput: a 10,000-job sweep from POST to all-enqueued (goal < 5 s), then
// dispatch throughput of no-op jobs through real workers (BullMQ + Postgres lifecycle per job).
// Run: pnpm bench:coordinator [jobs] [concurrency]
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createLogger } from '@dgm-ood/config';
import { startWorker } from '@dgm-ood/worker';
import { createCoordinatorHarness } from '../apps/coordinator/src/testing/harness.js';

const jobs = Number(process.argv[2] ?? 10_000);
const concurrency = Number(process.argv[3] ?? 50);
const side = 10;
const values = (n: number, f: (i: number) => string) => `[${Array.from({ length: n }, (_, i) => f(i)).join(', ')}]`;
const third = Math.max(1, Math.round(jobs / (side * side)));
// An OOD-shaped sweep (so the real run-name changer runs) whose jobs the no-op fixture handles.
const META = `
project: bench
sweep_name: bench-${jobs}
base_config:
  fixture: noop
  base_model: {config_dir: a/run_config.json, checkpoint_dir: a/ckpt.pt}
  data:
    in_distribution: {pick_loader: test, dataloader_args: {dataset: fashion-mnist, batch_size: 8}}
    out_of_distribution: {pick_loader: test, dataloader_args: {dataset: mnist, batch_size: 8}}
  ood: {seed: 100, pick_count: 1, method: ood.intrinsic_dimension.LID_OOD, method_args: {r: 1.0}}
sweep_configuration:
  ood:
    seed: {sweep: true, sweep_identifier: A_seed, values: ${values(side, (i) => String(i))}}
    pick_count: {sweep: true, sweep_identifier: B_pick, values: ${values(side, (i) => String(i + 1))}}
    method_args:
      r: {sweep: true, sweep_identifier: C_r, values: ${values(third, (i) => `${i}.5`)}}
`;

// The coordinator over a throw-away database and queue prefix, exactly as its tests run it.
const harness = await createCoordinatorHarness();
const { app, pool, queues, config } = harness;
try {
  await app.inject({ url: '/healthz' }); // warm-up: connections, route compilation
  const t0 = performance.now();
  const response = await app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: META });
  const t1 = performance.now();
  if (response.statusCode !== 201) throw new Error(`POST /sweeps answered ${response.statusCode}: ${response.body.slice(0, 500)}`);
  const { id, jobCount } = response.json() as { id: string; jobCount: number };
  const waiting = await queues.ood.getWaitingCount();
  console.log(`POST /sweeps: ${jobCount.toLocaleString('en-US')} jobs expanded, stored and enqueued in ${((t1 - t0) / 1000).toFixed(2)} s (goal < 5 s); queue holds ${waiting.toLocaleString('en-US')}`);

  const workerCount = 2;
  const t2 = performance.now();
  const workers = await Promise.all(
    Array.from({ length: workerCount }, () =>
      startWorker({
        config, logger: createLogger('bench', { level: 'silent' }), queues: ['ood'], concurrency,
        handlerModules: [fileURLToPath(new URL('../apps/worker/src/testing/fixture-handlers.ts', import.meta.url))],
        isolation: 'inline', lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 1, shutdownTimeoutMs: 10_000,
      }),
    ),
  );
  for (;;) {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM jobs WHERE sweep_id = $1 AND state = 'succeeded'`, [id]);
    if (rows[0].n === jobCount) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const seconds = (performance.now() - t2) / 1000;
  await Promise.all(workers.map((w) => w.close()));
  const { rows } = await pool.query(`SELECT status FROM sweeps WHERE id = $1`, [id]);
  console.log(
    `dispatch: ${jobCount.toLocaleString('en-US')} no-op jobs through ${workerCount} workers × concurrency ${concurrency} in ${seconds.toFixed(1)} s = ` +
      `${Math.round(jobCount / seconds).toLocaleString('en-US')} jobs/s (each: BullMQ lease + fenced start/complete transactions in Postgres); sweep ${rows[0].status}`,
  );
} finally {
  await harness.close();
}
