import { DEFAULT_BOOTSTRAP, type BootstrapOptions } from './bootstrap.js';
import type { Protocol } from './evaluation-table.js';
import { scoreMetrics, type MetricEstimate, type Replicate } from './score-metrics.js';
import type { ScoreSchema } from './score-schema.js';

/** One finished OOD job: which model scored which set with which method, and its per-point scores. */
export interface ScoredJob {
  jobId: string;
  jobName: string;
  /** Identity of the model (e.g. the training job's id). */
  modelKey: string;
  /** Human label of the model (e.g. the training job's run name). */
  modelLabel: string;
  /** The OOD method's id (e.g. `likelihood`, `lid`). */
  method: string;
  /**
   * The job's other settings (not its seeds, not the dataset it scored): jobs of one model and method
   * that differ here are never paired or aggregated together. `variant` is its human label ('' when
   * a sweep has one variant per model and method).
   */
  variantKey: string;
  variant: string;
  /** The job's seed values: jobs identical but for these are replicates of one row. */
  seedKey: string;
  /** The model's in-distribution dataset (A). */
  inDistribution: string;
  /** The dataset this job scored (B) and its split. */
  dataset: string;
  split: string;
  schema: ScoreSchema;
  /** Per score, one value per point (point order); only scores every point of the job has. */
  scores: Record<string, number[]>;
  points: number;
}

export type PositiveKind = 'test' | 'generated';

/** What a table row is about, before its metrics are computed. */
export interface EvaluationRowIdentity {
  model: string;
  modelKey: string;
  method: string;
  variant: string;
  inDistribution: string;
  /** `test`: the model's own test split ("A vs B"); `generated`: its samples ("A-gen vs B"). */
  positive: PositiveKind;
  negative: string;
  negativeSplit: string;
  /** Seed replicates aggregated in this row (1 without a seed sweep); job ids are per replicate. */
  seeds: number;
  positiveJobIds: string[];
  negativeJobIds: string[];
  /** Points of the first replicate's positive and negative sets. */
  positives: number;
  negatives: number;
}

export interface EvaluationRow extends EvaluationRowIdentity {
  metrics: MetricEstimate[];
}

/** A row to compute: its identity, the scores to read, its replicates. */
export interface EvaluationTask {
  identity: EvaluationRowIdentity;
  schema: ScoreSchema;
  replicates: Replicate[];
}

export interface TableOptions {
  protocol?: Protocol;
  bootstrap?: BootstrapOptions;
}

export const GENERATED_DATASET = 'dgm-generated';

/** Like the reference's parse_table: A vs A (test split) and A vs generated are positives, the rest negatives. */
export function classifyJob(job: Pick<ScoredJob, 'dataset' | 'split' | 'inDistribution'>): PositiveKind | 'train' | 'ood' {
  if (job.dataset === GENERATED_DATASET) return 'generated';
  if (job.dataset === job.inDistribution) return job.split === 'test' ? 'test' : 'train';
  return 'ood';
}

/** The scores and combinations every schema declares alike (same name and direction). */
export function commonSchema(schemas: readonly ScoreSchema[]): ScoreSchema {
  const [first, ...rest] = schemas;
  if (!first) return { scores: [], combinations: [] };
  const scores = first.scores.filter((s) => rest.every((o) => o.scores.some((t) => t.name === s.name && t.direction === s.direction)));
  const names = new Set(scores.map((s) => s.name));
  const same = (a: readonly string[], b: readonly string[]) => a[0] === b[0] && a[1] === b[1];
  const combinations = first.combinations.filter(
    (c) => c.scores.every((n) => names.has(n)) && rest.every((o) => o.combinations.some((d) => d.kind === c.kind && same(d.scores, c.scores))),
  );
  return { scores, combinations };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rows of a sweep's table, uncomputed. Jobs are grouped by (model, method, variant); within a group,
 * each positive set (the model's test split, its generated samples) is paired with every other dataset
 * the group scored, positive and negative of the same seeds only; pairs that differ only in seeds are
 * one row with several replicates. A positive is never paired with another model's or method's scores.
 * Rows in a stable order: groups as their first job appears, then positive kind, negative dataset, split.
 */
export function evaluationTasks(jobs: readonly ScoredJob[]): EvaluationTask[] {
  const tasks: EvaluationTask[] = [];
  const usable = jobs.filter((j) => j.points > 0);
  for (const group of groupBy(usable, (j) => JSON.stringify([j.modelKey, j.method, j.variantKey])).values()) {
    const negatives = group.filter((j) => classifyJob(j) === 'ood');
    const negativeKeys = [...new Set(negatives.map((j) => JSON.stringify([j.dataset, j.split])))]
      .map((k) => JSON.parse(k) as [string, string])
      .sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]));
    for (const kind of ['test', 'generated'] as const) {
      const positives = group.filter((j) => classifyJob(j) === kind);
      for (const [dataset, split] of negativeKeys) {
        const pairs = positives.flatMap((p) =>
          negatives.filter((n) => n.dataset === dataset && n.split === split && n.seedKey === p.seedKey).map((n) => [p, n] as const),
        );
        if (pairs.length === 0) continue;
        const [p0, n0] = pairs[0]!;
        tasks.push({
          identity: {
            model: p0.modelLabel,
            modelKey: p0.modelKey,
            method: p0.method,
            variant: p0.variant,
            inDistribution: p0.inDistribution,
            positive: kind,
            negative: dataset,
            negativeSplit: split,
            seeds: pairs.length,
            positiveJobIds: pairs.map(([p]) => p.jobId),
            negativeJobIds: pairs.map(([, n]) => n.jobId),
            positives: p0.points,
            negatives: n0.points,
          },
          schema: commonSchema(pairs.flatMap(([p, n]) => [p.schema, n.schema])),
          replicates: pairs.map(([p, n]) => ({ positive: p.scores, negative: n.scores })),
        });
      }
    }
  }
  return tasks;
}

export function evaluateTask(task: EvaluationTask, options: TableOptions = {}): EvaluationRow {
  return { ...task.identity, metrics: scoreMetrics(task.schema, task.replicates, { protocol: options.protocol, bootstrap: options.bootstrap ?? DEFAULT_BOOTSTRAP }) };
}

/** The AUC table of a sweep (`evaluationTasks`, each computed). */
export function buildEvaluationTable(jobs: readonly ScoredJob[], options: TableOptions = {}): EvaluationRow[] {
  return evaluationTasks(jobs).map((task) => evaluateTask(task, options));
}

/** A row's estimate of one metric, if it has it. */
export function rowMetric(row: Pick<EvaluationRow, 'metrics'>, metric: string): MetricEstimate | undefined {
  return row.metrics.find((m) => m.metric === metric);
}

function formatEstimate(m: MetricEstimate | undefined): string {
  if (!m) return '—';
  const spread = m.std === null ? '' : `±${m.std.toFixed(3)}`;
  const ci = m.ci ? ` [${m.ci.low.toFixed(3)}, ${m.ci.high.toFixed(3)}]` : '';
  return `${m.value.toFixed(3)}${spread}${ci}`;
}

/**
 * The table as aligned text, for terminals: one column per metric any row has (singles, dual thresholds,
 * max), each `AUC[±std over seeds] [CI low, CI high]`.
 */
export function formatEvaluationTable(rows: readonly EvaluationRow[]): string {
  const kinds = ['single', 'dual-threshold', 'max'];
  const metrics = [...new Map(rows.flatMap((r) => r.metrics.map((m) => [m.metric, m] as const))).values()]
    .map((m, i) => ({ m, i }))
    .sort((a, b) => kinds.indexOf(a.m.kind) - kinds.indexOf(b.m.kind) || a.i - b.i)
    .map(({ m }) => m.metric);
  const withVariant = rows.some((r) => r.variant !== '');
  const header = ['model', 'method', ...(withVariant ? ['variant'] : []), 'positive', 'negative', 'n+', 'n-', 'seeds', ...metrics.map((m) => m.replace(/^auc:/, ''))];
  const numericFrom = header.indexOf('n+');
  const body = rows.map((r) => [
    r.model,
    r.method,
    ...(withVariant ? [r.variant] : []),
    r.positive === 'test' ? `${r.inDistribution} (test)` : `${r.inDistribution}-gen`,
    r.negativeSplit === 'test' ? r.negative : `${r.negative} (${r.negativeSplit})`,
    String(r.positives),
    String(r.negatives),
    String(r.seeds),
    ...metrics.map((m) => formatEstimate(rowMetric(r, m))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= numericFrom ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
