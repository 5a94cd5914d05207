import type pg from 'pg';
import { createError } from '@dgm-ood/config';
import type { JsonValue } from './contract.js';

/**
 * A model produced by another sweep's job, referenced as `{ sweep: <name or id>, job: <grid index,
 * job id or unique run name> }` instead of a file path. Jobs holding one wait for that job.
 */
export interface ModelReference {
  /** JSON path of the reference inside the config, e.g. `base_model`. */
  path: string;
  sweep: string;
  job: number | string;
}

export const ModelReferenceError = createError<[string]>('DGM_MODEL_REFERENCE', '%s', 400);

function isReference(value: JsonValue): value is { sweep: string; job: number | string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.length === 2 &&
    typeof value.sweep === 'string' &&
    (typeof value.job === 'string' || (typeof value.job === 'number' && Number.isInteger(value.job)))
  );
}

/** Every `{sweep, job}` mapping in a config (pure). */
export function findModelReferences(config: JsonValue, path = ''): ModelReference[] {
  if (config === null || typeof config !== 'object') return [];
  if (!Array.isArray(config) && isReference(config)) return [{ path, sweep: config.sweep, job: config.job }];
  const entries: [string, JsonValue][] = Array.isArray(config)
    ? config.map((v, i) => [String(i), v])
    : Object.entries(config);
  return entries.flatMap(([key, value]) => findModelReferences(value, path ? `${path}.${key}` : key));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ResolvedModel {
  jobId: string;
  sweepId: string;
  state: string;
  workdirKey: string;
}

/** Resolves one reference to a job; a clear 400-style error when it names nothing or several things. */
export async function resolveModelReference(pool: pg.Pool | pg.PoolClient, ref: ModelReference): Promise<ResolvedModel> {
  const where = `${ref.path || 'config'}: model reference {sweep: ${JSON.stringify(ref.sweep)}, job: ${JSON.stringify(ref.job)}}`;
  const { rows: sweeps } = await pool.query(
    UUID.test(ref.sweep) ? `SELECT id FROM sweeps WHERE id = $1` : `SELECT id FROM sweeps WHERE name = $1`,
    [ref.sweep],
  );
  if (sweeps.length === 0) throw new ModelReferenceError(`${where}: no sweep with that ${UUID.test(ref.sweep) ? 'id' : 'name'}`);
  if (sweeps.length > 1) throw new ModelReferenceError(`${where}: ${sweeps.length} sweeps have that name; use the sweep id`);
  const sweepId = sweeps[0].id as string;
  let query: string;
  if (typeof ref.job === 'number') query = `SELECT id, state, workdir_key FROM jobs WHERE sweep_id = $1 AND grid_index = $2`;
  else if (UUID.test(ref.job)) query = `SELECT id, state, workdir_key FROM jobs WHERE sweep_id = $1 AND id = $2::uuid`;
  else query = `SELECT id, state, workdir_key FROM jobs WHERE sweep_id = $1 AND name = $2`;
  const { rows: jobs } = await pool.query(query, [sweepId, ref.job]);
  if (jobs.length === 0) throw new ModelReferenceError(`${where}: sweep ${sweepId} has no such job`);
  if (jobs.length > 1) throw new ModelReferenceError(`${where}: ${jobs.length} jobs of that sweep have this run name; use the grid index`);
  return { jobId: jobs[0].id, sweepId, state: jobs[0].state, workdirKey: jobs[0].workdir_key };
}
