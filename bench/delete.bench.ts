// Deleting a large finished sweep: 100,000 jobs with 10 result rows, an attempt and a log line each, and 100
// large-object artifacts, deleted by DELETE /sweeps/:id (one transaction), with the longest /healthz latency
// measured meanwhile. Run: pnpm bench:delete [jobs]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCoordinatorHarness } from '../apps/coordinator/src/testing/harness.js';
import { probeHealthz } from './healthz-probe.js';

const jobs = Number(process.argv[2] ?? 100_000);
const side = 100;
const values = (n: number) => `[${Array.from({ length: n }, (_, i) => String(i)).join(', ')}]`;
const META = `
project: bench
sweep_name: delete-${jobs}
base_config: {fixture: noop}
sweep_configuration:
  a: {sweep: true, values: ${values(side)}}
  b: {sweep: true, values: ${values(Math.floor(jobs / side))}}
`;
const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(2);

const harness = await createCoordinatorHarness({ artifactStore: 'postgres', modelDir: mkdtempSync(join(tmpdir(), 'dgm-bench-delete-')) });
const { app, pool } = harness;
try {
  await app.inject({ url: '/healthz' });
  const created = await app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: META });
  if (created.statusCode !== 201) throw new Error(`POST /sweeps answered ${created.statusCode}: ${created.body.slice(0, 300)}`);
  const { id } = created.json() as { id: string };
  const t0 = performance.now();
  // What finished jobs leave: a succeeded state, an attempt, a log line, 10 scored points; 100 of them an artifact.
  await harness.queues.train.drain();
  await pool.query(`UPDATE jobs SET state = 'succeeded', attempts = 1, finished_at = now() WHERE sweep_id = $1`, [id]);
  await pool.query(`UPDATE sweeps SET status = 'succeeded', finished_at = now() WHERE id = $1`, [id]);
  await pool.query(`INSERT INTO job_attempts (job_id, attempt, outcome) SELECT id, 1, 'succeeded' FROM jobs WHERE sweep_id = $1`, [id]);
  await pool.query(`INSERT INTO job_logs (job_id, attempt, level, message) SELECT id, 1, 'info', 'done' FROM jobs WHERE sweep_id = $1`, [id]);
  await pool.query(
    `INSERT INTO point_results (job_id, dataset, split, point_index, scores)
     SELECT j.id, 'bench', 'test', i, jsonb_build_object('log_likelihood', -i, 'lid', i) FROM jobs j, generate_series(0, 9) i WHERE j.sweep_id = $1`,
    [id],
  );
  await pool.query(
    `INSERT INTO artifacts (job_id, kind, name, uri, bytes, sha256)
     SELECT id, 'checkpoint', 'model.bin', 'pg-lo://' || lo_from_bytea(0, decode(repeat('ab', 65536), 'hex')), 65536, 'x'
     FROM jobs WHERE sweep_id = $1 AND grid_index < 100`,
    [id],
  );
  const { rows: [counts] } = await pool.query(
    `SELECT (SELECT count(*) FROM jobs WHERE sweep_id = $1) AS jobs, (SELECT count(*) FROM point_results) AS results, (SELECT count(*) FROM pg_largeobject_metadata) AS objects`,
    [id],
  );
  console.log(`stored ${counts.jobs} jobs, ${counts.results} result rows, ${counts.objects} large objects in ${seconds(t0)} s`);

  const probe = probeHealthz(app);
  const t1 = performance.now();
  const deleted = await app.inject({ method: 'DELETE', url: `/sweeps/${id}` });
  const took = seconds(t1);
  const longestHealthMs = await probe.stop();
  const { rows: [left] } = await pool.query(`SELECT (SELECT count(*) FROM jobs) AS jobs, (SELECT count(*) FROM point_results) AS results, (SELECT count(*) FROM pg_largeobject_metadata) AS objects`);
  console.log(`DELETE /sweeps/:id: ${deleted.statusCode} in ${took} s; longest /healthz during it ${longestHealthMs.toFixed(0)} ms; left: ${left.jobs} jobs, ${left.results} result rows, ${left.objects} large objects`);
  console.log(deleted.body);
} finally {
  await harness.close();
}
