import type pg from 'pg';
import { withTransaction } from '@dgm-ood/db';
import { buildEvaluationTable, type EvaluationRow, type Protocol, type ScoredJob } from '@dgm-ood/evaluation';
import type { JsonValue } from './contract.js';

const METRICS = ['auc.likelihood', 'auc.dual_threshold', 'auc.reported', 'auc.lid'] as const;

function sortedJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(value[k]!)}`).join(',')}}`;
}

const get = (value: JsonValue | undefined, ...path: string[]): JsonValue | undefined => {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = v[key];
  }
  return v;
};

function modelLabel(baseModel: JsonValue | undefined): string {
  const sweep = get(baseModel, 'sweep');
  const job = get(baseModel, 'job');
  if (typeof sweep === 'string' && job !== undefined) return `${sweep}#${String(job)}`;
  for (const key of ['checkpoint_dir', 'config_dir', 'preset', 'name']) {
    const v = get(baseModel, key);
    if (typeof v === 'string') return v;
  }
  return baseModel === undefined ? 'model' : sortedJson(baseModel);
}

/** Succeeded OOD jobs of a sweep with their per-point scores, ready for `buildEvaluationTable`. */
export async function loadScoredJobs(pool: pg.Pool, sweepId: string): Promise<ScoredJob[]> {
  const { rows: jobs } = await pool.query(
    `SELECT id, name, config FROM jobs WHERE sweep_id = $1 AND state = 'succeeded' ORDER BY grid_index`,
    [sweepId],
  );
  const scored: ScoredJob[] = [];
  for (const job of jobs) {
    const { rows } = await pool.query(
      `SELECT dataset, split, log_likelihood, lid FROM point_results WHERE job_id = $1 ORDER BY dataset, split, point_index`,
      [job.id],
    );
    if (rows.length === 0) continue;
    const config = job.config as JsonValue;
    const baseModel = get(config, 'base_model');
    const complete = rows.every((r) => r.log_likelihood !== null);
    const withLid = rows.every((r) => r.lid !== null);
    scored.push({
      jobId: job.id,
      jobName: job.name,
      modelKey: baseModel === undefined ? 'model' : sortedJson(baseModel),
      modelLabel: modelLabel(baseModel),
      inDistribution: String(get(config, 'data', 'in_distribution', 'dataloader_args', 'dataset') ?? rows[0].dataset),
      dataset: rows[0].dataset,
      split: rows[0].split,
      logLikelihood: complete ? rows.map((r) => r.log_likelihood as number) : [],
      lid: withLid ? rows.map((r) => r.lid as number) : [],
    });
  }
  return scored;
}

export interface SweepEvaluation {
  sweepId: string;
  /** All jobs of the sweep are finished (the stored table is final). */
  complete: boolean;
  protocol: Protocol;
  rows: EvaluationRow[];
}

/**
 * Computes the AUC table of an OOD sweep; when the sweep is finished, stores it as Evaluation rows
 * (replacing an earlier table of the same sweep, in one transaction).
 */
export async function evaluateSweep(pool: pg.Pool, sweepId: string, protocol: Protocol = { name: 'exact' }): Promise<SweepEvaluation> {
  const { rows: active } = await pool.query(
    `SELECT EXISTS (SELECT 1 FROM jobs WHERE sweep_id = $1 AND state IN ('pending', 'waiting', 'queued', 'running')) AS active`,
    [sweepId],
  );
  const complete = !active[0].active;
  const rows = buildEvaluationTable(await loadScoredJobs(pool, sweepId), protocol);
  if (complete) {
    await withTransaction(pool, async (client) => {
      await client.query('DELETE FROM evaluations WHERE sweep_id = $1', [sweepId]);
      for (const [position, row] of rows.entries()) {
        const { naiveAuc, dualAuc, reportedAuc, lidAuc, ...identity } = row;
        const values = [naiveAuc, dualAuc, reportedAuc, lidAuc];
        for (const [i, metric] of METRICS.entries()) {
          if (values[i] === null) continue;
          await client.query(
            `INSERT INTO evaluations (sweep_id, positive_job_id, negative_job_id, metric, value, protocol) VALUES ($1, $2, $3, $4, $5, $6)`,
            [sweepId, row.positiveJobId, row.negativeJobId, metric, values[i], JSON.stringify({ ...protocol, position, row: identity })],
          );
        }
      }
    });
  }
  return { sweepId, complete, protocol, rows };
}

/** The stored table of a finished sweep, or undefined when none was stored. */
export async function storedEvaluation(pool: pg.Pool, sweepId: string): Promise<SweepEvaluation | undefined> {
  const { rows } = await pool.query(
    `SELECT positive_job_id, negative_job_id, metric, value, protocol FROM evaluations WHERE sweep_id = $1
     ORDER BY (protocol->>'position')::int`,
    [sweepId],
  );
  if (rows.length === 0) return undefined;
  const byPair = new Map<string, EvaluationRow>();
  let protocol: Protocol = { name: 'exact' };
  for (const r of rows) {
    const { row, position: _position, ...rest } = r.protocol as { row: Omit<EvaluationRow, 'naiveAuc' | 'dualAuc' | 'reportedAuc' | 'lidAuc'>; position: number } & Protocol;
    protocol = rest as Protocol;
    const key = `${r.positive_job_id}/${r.negative_job_id}`;
    const entry = byPair.get(key) ?? { ...row, naiveAuc: Number.NaN, dualAuc: null, reportedAuc: Number.NaN, lidAuc: null };
    if (r.metric === 'auc.likelihood') entry.naiveAuc = r.value;
    else if (r.metric === 'auc.dual_threshold') entry.dualAuc = r.value;
    else if (r.metric === 'auc.reported') entry.reportedAuc = r.value;
    else if (r.metric === 'auc.lid') entry.lidAuc = r.value;
    byPair.set(key, entry);
  }
  return { sweepId, complete: true, protocol, rows: [...byPair.values()] };
}
