import { evaluatePair, type Protocol } from './evaluation-table.js';

/** One finished OOD job: which model scored which set, and its per-point scores. */
export interface ScoredJob {
  jobId: string;
  jobName: string;
  /** Identity of the model (e.g. canonical JSON of `base_model`). */
  modelKey: string;
  /** Human label of the model. */
  modelLabel: string;
  /** The model's in-distribution dataset (A). */
  inDistribution: string;
  /** The dataset this job scored (B) and its split. */
  dataset: string;
  split: string;
  logLikelihood: number[];
  /** Empty when the method produced no LID. */
  lid: number[];
}

export type PositiveKind = 'test' | 'generated';

export interface EvaluationRow {
  model: string;
  inDistribution: string;
  /** `test`: the model's own test split ("A vs B"); `generated`: its samples ("A-gen vs B"). */
  positive: PositiveKind;
  negative: string;
  negativeSplit: string;
  positiveJobId: string;
  negativeJobId: string;
  positives: number;
  negatives: number;
  naiveAuc: number;
  /** Null when the jobs carry no LID. */
  dualAuc: number | null;
  reportedAuc: number;
  lidAuc: number | null;
}

export const GENERATED_DATASET = 'dgm-generated';

/** Like the reference's parse_table: A vs A (test split) and A vs generated are positives, the rest negatives. */
export function classifyJob(job: ScoredJob): PositiveKind | 'train' | 'ood' {
  if (job.dataset === GENERATED_DATASET) return 'generated';
  if (job.dataset === job.inDistribution) return job.split === 'test' ? 'test' : 'train';
  return 'ood';
}

/**
 * The AUC table of a sweep: per model, each positive set (its test split, its generated samples)
 * against every other dataset that model scored. Rows in a stable order (model, positive, negative).
 */
export function buildEvaluationTable(jobs: readonly ScoredJob[], protocol: Protocol = { name: 'exact' }): EvaluationRow[] {
  const byModel = new Map<string, ScoredJob[]>();
  for (const job of jobs) {
    if (job.logLikelihood.length === 0) continue;
    const list = byModel.get(job.modelKey) ?? [];
    list.push(job);
    byModel.set(job.modelKey, list);
  }
  const rows: EvaluationRow[] = [];
  for (const modelJobs of byModel.values()) {
    const negatives = modelJobs.filter((j) => classifyJob(j) === 'ood').sort((a, b) => (a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : 0));
    for (const kind of ['test', 'generated'] as const) {
      for (const positive of modelJobs.filter((j) => classifyJob(j) === kind)) {
        for (const negative of negatives) {
          const withLid = positive.lid.length === positive.logLikelihood.length && negative.lid.length === negative.logLikelihood.length && positive.lid.length > 0;
          const pair = withLid
            ? evaluatePair({ logLikelihood: positive.logLikelihood, lid: positive.lid }, { logLikelihood: negative.logLikelihood, lid: negative.lid }, protocol)
            : undefined;
          const naive = pair?.naiveAuc ?? evaluatePair(
            { logLikelihood: positive.logLikelihood, lid: positive.logLikelihood.map(() => 0) },
            { logLikelihood: negative.logLikelihood, lid: negative.logLikelihood.map(() => 0) },
          ).naiveAuc;
          rows.push({
            model: positive.modelLabel,
            inDistribution: positive.inDistribution,
            positive: kind,
            negative: negative.dataset,
            negativeSplit: negative.split,
            positiveJobId: positive.jobId,
            negativeJobId: negative.jobId,
            positives: positive.logLikelihood.length,
            negatives: negative.logLikelihood.length,
            naiveAuc: naive,
            dualAuc: pair?.dualAuc ?? null,
            reportedAuc: pair?.reportedAuc ?? naive,
            lidAuc: pair?.lidAuc ?? null,
          });
        }
      }
    }
  }
  return rows;
}

/** The table as aligned text, for terminals. */
export function formatEvaluationTable(rows: readonly EvaluationRow[]): string {
  const header = ['model', 'positive', 'negative', 'n+', 'n-', 'naive AUC', 'dual AUC', 'max', 'LID AUC'];
  const fmt = (v: number | null) => (v === null ? '—' : v.toFixed(3));
  const body = rows.map((r) => [
    r.model,
    r.positive === 'test' ? `${r.inDistribution} (test)` : `${r.inDistribution}-gen`,
    r.negativeSplit === 'test' ? r.negative : `${r.negative} (${r.negativeSplit})`,
    String(r.positives),
    String(r.negatives),
    fmt(r.naiveAuc),
    fmt(r.dualAuc),
    fmt(r.reportedAuc),
    fmt(r.lidAuc),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
