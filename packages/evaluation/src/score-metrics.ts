import {
  assertBootstrapOptions, DEFAULT_BOOTSTRAP, dualThresholdResamples, percentileInterval, resampler, type BootstrapOptions, type ConfidenceInterval,
} from './bootstrap.js';
import { dualThresholdFrontier, type Scores2D } from './dual-threshold.js';
import type { Protocol } from './evaluation-table.js';
import { referenceDualThresholdAuc } from './reference-protocol.js';
import { rocAuc } from './roc-auc.js';
import { orient, type ScoreSchema } from './score-schema.js';

/** Per score name, one value per point (all points of the set, same order for every score). */
export type ScoreColumns = Readonly<Record<string, readonly number[]>>;

/** One seed's positive (in-distribution) and negative (OOD) sets. */
export interface Replicate {
  positive: ScoreColumns;
  negative: ScoreColumns;
}

export type MetricKind = 'single' | 'dual-threshold' | 'max';

export interface MetricEstimate {
  /** `auc:<score>`, `auc:dual:<a>+<b>` or `auc:max`. */
  metric: string;
  kind: MetricKind;
  /** The scores it reads. */
  scores: string[];
  label: string;
  /** The AUC; the mean over seeds when the row aggregates several. */
  value: number;
  /** Sample standard deviation over seeds; null with one seed. */
  std: number | null;
  /** Percentile bootstrap interval of `value`; null when not computed (no resamples, or the reference protocol's randomised dual AUC). */
  ci: ConfidenceInterval | null;
}

export interface ScoreMetricOptions {
  protocol?: Protocol;
  bootstrap?: BootstrapOptions;
}

export const singleMetric = (score: string) => `auc:${score}`;
export const dualMetric = (a: string, b: string) => `auc:dual:${a}+${b}`;
export const MAX_METRIC = 'auc:max';

interface Plan {
  metric: string;
  kind: MetricKind;
  scores: string[];
  label: string;
  /** Computable on bootstrap resamples (the randomised reference protocol is not resampled). */
  resampled: boolean;
}

/** Oriented columns of one set: higher = more in-distribution for every score. */
type Oriented = Map<string, readonly number[]>;

function evaluable(name: string, replicates: readonly Replicate[]): boolean {
  return replicates.every((r) => Array.isArray(r.positive[name]) && Array.isArray(r.negative[name]));
}

/**
 * What a schema yields for these sets: a single-score AUC per score, a dual-threshold AUC per combination,
 * and `auc:max` = max(AUC of the schema's first score, every dual-threshold AUC), which is what the
 * reference tables report (max of the naive likelihood AUC and the dual-threshold AUC). A score some set
 * lacks is left out, and so is every metric reading it.
 */
function plan(schema: ScoreSchema, replicates: readonly Replicate[], protocol: Protocol): Plan[] {
  const exact = protocol.name === 'exact';
  const byName = new Map(schema.scores.map((s) => [s.name, s]));
  const singles: Plan[] = schema.scores
    .filter((s) => evaluable(s.name, replicates))
    .map((s) => ({ metric: singleMetric(s.name), kind: 'single', scores: [s.name], label: s.label, resampled: true }));
  const duals: Plan[] = schema.combinations
    .filter((c) => c.scores.every((name) => byName.has(name) && evaluable(name, replicates)))
    .map((c) => ({
      metric: dualMetric(c.scores[0], c.scores[1]),
      kind: 'dual-threshold',
      scores: [...c.scores],
      label: `${byName.get(c.scores[0])!.label} AND ${byName.get(c.scores[1])!.label}`,
      resampled: exact,
    }));
  const primary = schema.scores[0];
  const max: Plan[] =
    primary && evaluable(primary.name, replicates)
      ? [{ metric: MAX_METRIC, kind: 'max', scores: [...new Set([primary.name, ...duals.flatMap((d) => d.scores)])], label: 'max', resampled: exact || duals.length === 0 }]
      : [];
  return [...singles, ...duals, ...max];
}

function orientSet(schema: ScoreSchema, columns: ScoreColumns): Oriented {
  const out: Oriented = new Map();
  for (const s of schema.scores) {
    const values = columns[s.name];
    if (values) out.set(s.name, orient(values, s.direction));
  }
  return out;
}

function pick(values: readonly number[], picks: Int32Array | undefined): readonly number[] {
  if (!picks) return values;
  const out = new Array<number>(picks.length);
  for (let i = 0; i < picks.length; i++) out[i] = values[picks[i]!]!;
  return out;
}

/** The planned metrics on one (possibly resampled) replicate, in plan order. */
function measure(
  plans: readonly Plan[],
  positive: Oriented,
  negative: Oriented,
  protocol: Protocol,
  picks?: { positive: Int32Array; negative: Int32Array },
): number[] {
  const column = (set: Oriented, name: string, which: 'positive' | 'negative') => pick(set.get(name)!, picks?.[which]);
  const values: number[] = [];
  for (const p of plans) {
    if (p.kind === 'single') {
      values.push(rocAuc(column(positive, p.scores[0]!, 'positive'), column(negative, p.scores[0]!, 'negative')));
    } else if (p.kind === 'dual-threshold') {
      const [a, b] = p.scores as [string, string];
      const pos: Scores2D = { x: column(positive, a, 'positive'), y: column(positive, b, 'positive') };
      const neg: Scores2D = { x: column(negative, a, 'negative'), y: column(negative, b, 'negative') };
      values.push(protocol.name === 'exact' ? dualThresholdFrontier(pos, neg).auc : referenceDualThresholdAuc(pos, neg, protocol).dualAuc);
    } else {
      // The max reads the primary single AUC and every dual AUC computed above.
      const primary = values[plans.findIndex((q) => q.metric === singleMetric(p.scores[0]!))]!;
      const duals = plans.flatMap((q, i) => (q.kind === 'dual-threshold' ? [values[i]!] : []));
      values.push(Math.max(primary, ...duals));
    }
  }
  return values;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * AUCs of every score and combination of `schema` for a (positive, negative) pair, over one or more seed
 * replicates: value = mean over replicates, std over replicates, and a percentile bootstrap interval of
 * that mean (each replicate's positives and negatives resampled separately, with replacement; every
 * metric of a resample uses the same draws, so `auc:max` stays the max of its parts).
 */
export function scoreMetrics(schema: ScoreSchema, replicates: readonly Replicate[], options: ScoreMetricOptions = {}): MetricEstimate[] {
  const protocol = options.protocol ?? { name: 'exact' };
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  assertBootstrapOptions(bootstrap);
  if (replicates.length === 0) throw new RangeError('scoreMetrics: no replicates');
  const plans = plan(schema, replicates, protocol);
  if (plans.length === 0) return [];
  const oriented = replicates.map((r) => ({ positive: orientSet(schema, r.positive), negative: orientSet(schema, r.negative) }));
  const sizes = oriented.map((r) => ({ positive: r.positive.get(plans[0]!.scores[0]!)!.length, negative: r.negative.get(plans[0]!.scores[0]!)!.length }));
  const estimates = oriented.map((r) => measure(plans, r.positive, r.negative, protocol));

  // Dual-threshold metrics (and the max reading them) are resampled in the first `dualCount` rounds only.
  const resampled = plans.filter((p) => p.resampled);
  const isSingle = (p: Plan) => p.kind === 'single' || (p.kind === 'max' && !plans.some((q) => q.kind === 'dual-threshold'));
  const dualCount = dualThresholdResamples(bootstrap.resamples, sizes.map((s) => s.positive + s.negative));
  const counts = resampled.map((p) => (isSingle(p) ? bootstrap.resamples : dualCount));
  const samples = counts.map((n) => new Float64Array(n));
  if (resampled.length > 0 && bootstrap.resamples > 0) {
    const draw = resampler(bootstrap.seed);
    const singles = resampled.filter(isSingle);
    for (let b = 0; b < bootstrap.resamples; b++) {
      const round = b < dualCount ? resampled : singles;
      const sums = new Float64Array(round.length);
      oriented.forEach((r, i) => {
        const picks = { positive: draw(sizes[i]!.positive), negative: draw(sizes[i]!.negative) };
        measure(round, r.positive, r.negative, protocol, picks).forEach((v, m) => (sums[m]! += v));
      });
      round.forEach((p, m) => (samples[resampled.indexOf(p)]![b] = sums[m]! / oriented.length));
    }
  }
  return plans.map((p, m) => {
    const perSeed = estimates.map((e) => e[m]!);
    const at = resampled.indexOf(p);
    return {
      metric: p.metric,
      kind: p.kind,
      scores: p.scores,
      label: p.label,
      value: mean(perSeed),
      std: sampleStd(perSeed),
      ci: at >= 0 && samples[at]!.length > 0 ? percentileInterval(samples[at]!, bootstrap.level) : null,
    };
  });
}
