/** Sweeps with something stored in every table (storage-lifecycle tests), and what each table holds of one. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppConfig, Logger } from '@dgm-ood/config';
import type { Pool } from '@dgm-ood/db';
import { createSweep } from '@dgm-ood/jobs';
import { createCoordinatorHarness, waitForSweep, type CoordinatorHarness } from './harness.js';

/** A harness whose MODEL_DIR is a fresh temporary directory (never the checkout's runs/). */
export function storageHarness(overrides: Partial<AppConfig> = {}, options: { logger?: Logger } = {}): Promise<CoordinatorHarness> {
  return createCoordinatorHarness({ modelDir: mkdtempSync(join(tmpdir(), 'dgm-storage-')), ...overrides }, options);
}

export const trainSweep = (name: string, fixtures: readonly string[]) => `
project: storage
sweep_name: ${name}
base_config: {fixture: ${fixtures[0]}, trainer: {}}
sweep_configuration:
  fixture: {sweep: true, values: [${fixtures.join(', ')}]}
`;

export async function submit(h: CoordinatorHarness, meta: string, kind: 'train' | 'ood' = 'train', headers: Record<string, string> = {}): Promise<string> {
  const response = await h.app.inject({ method: 'POST', url: `/sweeps?kind=${kind}`, headers: { 'content-type': 'application/yaml', ...headers }, payload: meta });
  if (response.statusCode !== 201) throw new Error(`submission refused: ${response.body}`);
  return response.json().id as string;
}

export async function jobIdsOf(pool: Pool, sweepId: string): Promise<string[]> {
  const { rows } = await pool.query(`SELECT id FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`, [sweepId]);
  return rows.map((row) => row.id as string);
}

/**
 * A finished training sweep whose jobs (run by the fixture worker, which must be running) wrote results, logs,
 * metrics, attempts and artifacts, plus what other paths write: a sweep evaluation, a job-pair evaluation, a
 * dependency edge and a shared-cache entry.
 */
export async function finishedSweepWithEverything(h: CoordinatorHarness, name: string): Promise<{ id: string; jobIds: string[] }> {
  const id = await submit(h, trainSweep(name, ['succeed', 'curves']));
  await waitForSweep(h, id, (s) => s.status === 'succeeded');
  const [first, second] = await jobIdsOf(h.pool, id);
  await h.pool.query(`INSERT INTO evaluations (sweep_id, metric, value) VALUES ($1, 'auc:log_likelihood', 0.5)`, [id]);
  await h.pool.query(`INSERT INTO evaluations (positive_job_id, negative_job_id, metric, value) VALUES ($1, $2, 'auc:lid', 0.7)`, [first, second]);
  await h.pool.query(`INSERT INTO job_dependencies (job_id, depends_on_id) VALUES ($1, $2)`, [second, first]);
  await h.pool.query(`INSERT INTO shared_cache (key, value, job_id) VALUES ($1, '{"calibrated": true}', $2)`, [`calibration-${name}`, first]);
  return { id, jobIds: [first!, second!] };
}

/**
 * Rows that belong to the sweep or its jobs, per `table.column`: the sweeps and jobs rows, and those of every
 * table with a foreign key to sweeps or jobs (found in the catalog, so a table added later is counted too).
 */
export async function rowsOf(pool: Pool, sweepId: string, jobIds: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const count = async (table: string, column: string, ids: readonly string[]) => {
    const { rows } = await pool.query(`SELECT count(*) AS n FROM "${table}" WHERE "${column}" = ANY($1::uuid[])`, [ids]);
    counts[`${table}.${column}`] = Number(rows[0].n);
  };
  await count('sweeps', 'id', [sweepId]);
  await count('jobs', 'id', jobIds);
  const { rows: keys } = await pool.query(
    `SELECT c.conrelid::regclass::text AS source, a.attname AS column, c.confrelid::regclass::text AS target
     FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
     WHERE c.contype = 'f' AND c.confrelid IN ('sweeps'::regclass, 'jobs'::regclass) ORDER BY 1, 2`,
  );
  for (const key of keys) await count(key.source as string, key.column as string, key.target === 'sweeps' ? [sweepId] : jobIds);
  return counts;
}

/** The oids of the large objects the jobs' artifacts name. */
export async function largeObjectsOf(pool: Pool, jobIds: readonly string[]): Promise<number[]> {
  const { rows } = await pool.query(`SELECT uri FROM artifacts WHERE job_id = ANY($1::uuid[]) AND uri LIKE 'pg-lo://%'`, [jobIds]);
  return rows.map((row) => Number((row.uri as string).slice('pg-lo://'.length)));
}

/** How many of `oids` exist. */
export async function existingLargeObjects(pool: Pool, oids: readonly number[]): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*) AS n FROM pg_largeobject_metadata WHERE oid = ANY($1::oid[])`, [oids]);
  return Number(rows[0].n);
}

/**
 * A one-job sweep that finished `days` days ago (as its timestamps say), optionally depending on another job;
 * with `unfinished`, created then and with its job still queued.
 */
export async function finishedDaysAgo(
  pool: Pool,
  name: string,
  days: number,
  options: { dependsOn?: string; unfinished?: boolean } = {},
): Promise<{ id: string; jobId: string }> {
  const { sweepId, jobs } = await createSweep(pool, {
    name, kind: 'train', sourceText: '{}', sourceFormat: 'json', options: {}, maxAttempts: 1,
    jobs: [{ gridIndex: 0, name, point: {}, configJson: '{}', configHash: name, ...(options.dependsOn ? { dependsOn: [options.dependsOn] } : {}) }],
  });
  const at = `now() - make_interval(days => $2)`;
  if (options.unfinished) {
    await pool.query(`UPDATE sweeps SET created_at = ${at} WHERE id = $1`, [sweepId, days]);
  } else {
    await pool.query(`UPDATE jobs SET state = 'succeeded', finished_at = ${at} WHERE sweep_id = $1`, [sweepId, days]);
    await pool.query(`UPDATE sweeps SET status = 'succeeded', created_at = ${at}, finished_at = ${at} WHERE id = $1`, [sweepId, days]);
  }
  return { id: sweepId, jobId: jobs[0]!.id };
}
