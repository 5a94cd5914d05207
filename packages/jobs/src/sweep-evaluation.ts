import { setImmediate as nextTurn } from 'node:timers/promises';
import type pg from 'pg';
import { createError } from '@dgm-ood/config';
import { withTransaction } from '@dgm-ood/db';
import {
  DEFAULT_BOOTSTRAP, evaluateTask, evaluationTasks, LEGACY_SCORE_SCHEMA, parseScoreSchema,
  type BootstrapOptions, type EvaluationRow, type EvaluationRowIdentity, type MetricEstimate, type Protocol, type ScoredJob, type ScoreSchema,
} from '@dgm-ood/evaluation';
import type { JsonValue } from './contract.js';
import { sortedJson } from './config-reader.js';
import { resolveModelReference } from './model-refs.js';

export const ScoreSchemaInvalidError = createError<[string, string]>('DGM_SCORE_SCHEMA_INVALID', 'job %s: summary.scoreSchema is invalid: %s', 422);


const get = (value: JsonValue | undefined, ...path: string[]): JsonValue | undefined => {
  let v = value;
  for (const key of path) {
    if (v === null || v === undefined || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = v[key];
  }
  return v;
};

/** How an OOD job scored: its method id and score schema (jobs written before named scores: the legacy schema). */
export interface JobScoring {
  method: string;
  scoreSchema: ScoreSchema;
}

/**
 * The method and score schema of an OOD job, from its summary (`method`, `scoreSchema`, written by the
 * OOD runner) or, for jobs without them, its config's `ood.method` and LEGACY_SCORE_SCHEMA.
 */
export function jobScoring(jobId: string, config: JsonValue, summary: JsonValue | null): JobScoring {
  const method = get(summary ?? undefined, 'method') ?? get(config, 'ood', 'method');
  const declared = get(summary ?? undefined, 'scoreSchema');
  let scoreSchema = LEGACY_SCORE_SCHEMA;
  if (declared !== undefined && declared !== null) {
    const parsed = parseScoreSchema(declared);
    if ('problems' in parsed) throw new ScoreSchemaInvalidError(jobId, parsed.problems.join('; '));
    scoreSchema = parsed.schema;
  }
  return { method: typeof method === 'string' ? method : 'unspecified', scoreSchema };
}

/** Config leaves as `path → canonical JSON` (arrays are leaves). */
function leaves(value: JsonValue, path: string, out: Map<string, string>): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value)) leaves(child, path ? `${path}.${key}` : key, out);
  } else if (path) out.set(path, sortedJson(value));
  return out;
}

/** What is scored and by which model are not settings of the job: they are the table's axes. */
const SCORED_SET_OR_MODEL = /^(data\.out_of_distribution|base_model)(\.|$)/;
const SEED = /(^|[._])seed$/;

/**
 * The job's settings split in two: its seeds (keys named `seed` or `*_seed`), and everything else but
 * the scored dataset and the model (`variant`). Jobs with equal variants and different seeds are
 * replicates of one measurement.
 */
function settingsOf(config: JsonValue): { seedKey: string; variant: Map<string, string> } {
  const seeds: [string, string][] = [];
  const variant = new Map<string, string>();
  for (const [path, value] of leaves(config, '', new Map())) {
    if (SCORED_SET_OR_MODEL.test(path)) continue;
    if (SEED.test(path)) seeds.push([path, value]);
    else variant.set(path, value);
  }
  return { seedKey: JSON.stringify(seeds.sort()), variant };
}

const variantKeyOf = (variant: Map<string, string>) => JSON.stringify([...variant].sort());

/** For model/method groups with several variants: each variant's label, the settings that differ within its group. */
function variantLabels(jobs: { group: string; variant: Map<string, string> }[]): Map<string, string> {
  const labels = new Map<string, string>();
  const byGroup = new Map<string, Map<string, Map<string, string>>>();
  for (const job of jobs) {
    const variants = byGroup.get(job.group) ?? new Map<string, Map<string, string>>();
    variants.set(variantKeyOf(job.variant), job.variant);
    byGroup.set(job.group, variants);
  }
  for (const [group, variants] of byGroup) {
    const all = [...variants.values()];
    const paths = [...new Set(all.flatMap((v) => [...v.keys()]))].sort();
    const differing = paths.filter((p) => new Set(all.map((v) => v.get(p) ?? '—')).size > 1);
    for (const [key, variant] of variants) {
      labels.set(`${group}\u0000${key}`, all.length === 1 ? '' : differing.map((p) => `${p}=${variant.get(p) ?? '—'}`).join(', '));
    }
  }
  return labels;
}

/**
 * Identity and label of the model a job scored: a `{sweep, job}` reference is resolved to the training
 * job (label: its run name); a path-like `base_model` is labelled by its checkpoint or config path.
 */
async function modelOf(pool: pg.Pool, baseModel: JsonValue | undefined, cache: Map<string, { key: string; label: string }>) {
  const cacheKey = baseModel === undefined ? '' : sortedJson(baseModel);
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  let model = { key: baseModel === undefined ? 'model' : cacheKey, label: baseModel === undefined ? 'model' : cacheKey };
  const sweep = get(baseModel, 'sweep');
  const job = get(baseModel, 'job');
  if (typeof sweep === 'string' && (typeof job === 'string' || typeof job === 'number')) {
    try {
      const resolved = await resolveModelReference(pool, { path: 'base_model', sweep, job });
      const { rows } = await pool.query('SELECT name FROM jobs WHERE id = $1', [resolved.jobId]);
      model = { key: `job:${resolved.jobId}`, label: rows[0]?.name ?? `${sweep}#${job}` };
    } catch {
      // The training sweep is gone (deleted): the reference itself is all that is left to show.
      model = { key: cacheKey, label: `${sweep}#${job}` };
    }
  } else {
    for (const key of ['checkpoint_dir', 'config_dir', 'preset', 'name']) {
      const v = get(baseModel, key);
      if (typeof v === 'string') {
        model = { key: cacheKey, label: v };
        break;
      }
    }
  }
  cache.set(cacheKey, model);
  return model;
}

/** Per declared score, its values in point order, when every point has a finite one. */
function scoreColumns(schema: ScoreSchema, rows: { scores: Record<string, unknown> | null }[]): Record<string, number[]> {
  const columns: Record<string, number[]> = {};
  for (const { name } of schema.scores) {
    const values = rows.map((r) => r.scores?.[name]);
    if (values.every((v): v is number => typeof v === 'number' && Number.isFinite(v))) columns[name] = values;
  }
  return columns;
}

/** Succeeded OOD jobs of a sweep with their per-point scores, ready for `evaluationTasks`. */
export async function loadScoredJobs(pool: pg.Pool, sweepId: string): Promise<ScoredJob[]> {
  const { rows: jobs } = await pool.query(
    `SELECT id, name, config, summary FROM jobs WHERE sweep_id = $1 AND state = 'succeeded' ORDER BY grid_index`,
    [sweepId],
  );
  const models = new Map<string, { key: string; label: string }>();
  const loaded: (Omit<ScoredJob, 'variant'> & { variantSettings: Map<string, string> })[] = [];
  for (const job of jobs) {
    const { rows } = await pool.query(
      `SELECT dataset, split, scores FROM point_results WHERE job_id = $1 ORDER BY dataset, split, point_index`,
      [job.id],
    );
    if (rows.length === 0) continue;
    const config = job.config as JsonValue;
    const { method, scoreSchema } = jobScoring(job.id, config, job.summary as JsonValue | null);
    const model = await modelOf(pool, get(config, 'base_model'), models);
    const settings = settingsOf(config);
    loaded.push({
      jobId: job.id,
      jobName: job.name,
      modelKey: model.key,
      modelLabel: model.label,
      method,
      variantKey: variantKeyOf(settings.variant),
      variantSettings: settings.variant,
      seedKey: settings.seedKey,
      inDistribution: String(get(config, 'data', 'in_distribution', 'dataloader_args', 'dataset') ?? rows[0].dataset),
      dataset: rows[0].dataset,
      split: rows[0].split,
      schema: scoreSchema,
      scores: scoreColumns(scoreSchema, rows),
      points: rows.length,
    });
  }
  const group = (j: { modelKey: string; method: string }) => JSON.stringify([j.modelKey, j.method]);
  const labels = variantLabels(loaded.map((j) => ({ group: group(j), variant: j.variantSettings })));
  return loaded.map(({ variantSettings: _settings, ...job }) => ({ ...job, variant: labels.get(`${group(job)}\u0000${job.variantKey}`) ?? '' }));
}

export interface SweepEvaluation {
  sweepId: string;
  /** All jobs of the sweep are finished (the stored table is final). */
  complete: boolean;
  protocol: Protocol;
  bootstrap: BootstrapOptions;
  rows: EvaluationRow[];
}

/** Stored with each Evaluation row: how to rebuild the table row it belongs to. */
interface StoredMetric {
  format: 2;
  protocol: Protocol;
  bootstrap: BootstrapOptions;
  position: number;
  /** The metric's place in its row. */
  index: number;
  row: EvaluationRowIdentity;
  estimate: Omit<MetricEstimate, 'metric' | 'value'>;
}

/**
 * Computes the AUC table of an OOD sweep over its jobs' score schemas; when the sweep is finished (and
 * the protocol exact), stores it as Evaluation rows, one per (table row, metric) (replacing an earlier table of the sweep, in one
 * transaction). Yields to the event loop between rows: the bootstrap takes a while on large sets.
 */
export async function evaluateSweep(
  pool: pg.Pool,
  sweepId: string,
  protocol: Protocol = { name: 'exact' },
  bootstrap: BootstrapOptions = DEFAULT_BOOTSTRAP,
): Promise<SweepEvaluation> {
  const { rows: active } = await pool.query(
    `SELECT EXISTS (SELECT 1 FROM jobs WHERE sweep_id = $1 AND state IN ('pending', 'waiting', 'queued', 'running')) AS active`,
    [sweepId],
  );
  const complete = !active[0].active;
  const rows: EvaluationRow[] = [];
  for (const task of evaluationTasks(await loadScoredJobs(pool, sweepId))) {
    rows.push(evaluateTask(task, { protocol, bootstrap }));
    await nextTurn();
  }
  // Only the exact table is stored: it is what a plain request serves; a parity run must not replace it.
  if (complete && protocol.name === 'exact') {
    await withTransaction(pool, async (client) => {
      await client.query('DELETE FROM evaluations WHERE sweep_id = $1', [sweepId]);
      for (const [position, row] of rows.entries()) {
        const { metrics, ...identity } = row;
        for (const [index, { metric, value, ...estimate }] of metrics.entries()) {
          const stored: StoredMetric = { format: 2, protocol, bootstrap, position, index, row: identity, estimate };
          await client.query(
            `INSERT INTO evaluations (sweep_id, positive_job_id, negative_job_id, metric, value, protocol) VALUES ($1, $2, $3, $4, $5, $6)`,
            [sweepId, identity.positiveJobIds[0], identity.negativeJobIds[0], metric, value, JSON.stringify(stored)],
          );
        }
      }
    });
  }
  return { sweepId, complete, protocol, bootstrap, rows };
}

/** The stored table of a finished sweep, or undefined when none was stored (or only in an older format). */
export async function storedEvaluation(pool: pg.Pool, sweepId: string): Promise<SweepEvaluation | undefined> {
  const { rows } = await pool.query(
    `SELECT metric, value, protocol FROM evaluations WHERE sweep_id = $1
     ORDER BY (protocol->>'position')::int, (protocol->>'index')::int`,
    [sweepId],
  );
  if (rows.length === 0 || rows.some((r) => (r.protocol as Partial<StoredMetric>).format !== 2)) return undefined;
  const byPosition = new Map<number, EvaluationRow>();
  let first: StoredMetric | undefined;
  for (const r of rows) {
    const stored = r.protocol as StoredMetric;
    first ??= stored;
    const entry = byPosition.get(stored.position) ?? { ...stored.row, metrics: [] };
    const { kind, scores, label, std, ci } = stored.estimate;
    entry.metrics.push({ metric: r.metric, kind, scores, label, value: r.value, std, ci });
    byPosition.set(stored.position, entry);
  }
  return { sweepId, complete: true, protocol: first!.protocol, bootstrap: first!.bootstrap, rows: [...byPosition.values()] };
}
