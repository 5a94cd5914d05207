/**
 * What the dashboard draws for one row of a sweep's AUC table: the points of the sets involved (in-distribution
 * test split, the OOD set, the model's generated samples), each score's ROC curve, the dual-threshold ROC
 * frontier, and the dual-threshold operating point that best separates the row's sets (the rectangle drawn on
 * the LID-vs-likelihood scatter). Pure: the caller loads the jobs.
 */
import { dualThresholdFrontier } from './dual-threshold.js';
import { mulberry32, sampleWithoutReplacement } from './random.js';
import { rocAuc, rocCurve } from './roc-auc.js';
import { orient, type ScoreDescriptor, type ScoreDirection } from './score-schema.js';
import { commonSchema, GENERATED_DATASET, type EvaluationRowIdentity, type ScoredJob } from './sweep-table.js';

/** Points per set the plots carry at most: enough for a readable scatter, small enough for a quick frontier. */
export const PLOT_POINTS_PER_SET = 2000;
const PLOT_SEED = 17;

export type PlotSetRole = 'in-distribution' | 'ood' | 'generated';

export interface PlotSet {
  role: PlotSetRole;
  /** e.g. `fashion-mnist (test)`, `mnist (test)`, `fashion-mnist-gen`. */
  label: string;
  jobId: string;
  dataset: string;
  split: string;
  /** Points the job scored, and how many of them are in `scores` (a seeded uniform subsample when fewer). */
  points: number;
  shown: number;
  /** Per score of the row's schema, the shown points' raw values (same order across scores). */
  scores: Record<string, number[]>;
}

export interface PlotCurve {
  /** `auc:<score>` or `auc:dual:<a>+<b>`, as in the table. */
  metric: string;
  kind: 'single' | 'dual-threshold';
  label: string;
  fpr: number[];
  tpr: number[];
  /** AUC of this curve on the shown points (the table's value uses every point). */
  auc: number;
}

/** The rule "in-distribution iff x on its side of `x` AND y on its side of `y`", in raw score units. */
export interface DualOperatingPoint {
  scores: [string, string];
  x: { threshold: number; direction: ScoreDirection };
  y: { threshold: number; direction: ScoreDirection };
  tpr: number;
  fpr: number;
}

export interface EvaluationPlots {
  row: Pick<EvaluationRowIdentity, 'model' | 'method' | 'variant' | 'inDistribution' | 'positive' | 'negative' | 'negativeSplit'>;
  scores: ScoreDescriptor[];
  /** The first dual-threshold pair of the schema (x, y), or null when the method has none. */
  pair: [string, string] | null;
  /** Positive set first, then the negative set, then the other positive kind when the group has it. */
  sets: PlotSet[];
  /** ROC curves of the row's positive set against its negative set (shown points). */
  curves: PlotCurve[];
  operatingPoint: DualOperatingPoint | null;
}

const labelOf = (job: ScoredJob, role: PlotSetRole) =>
  role === 'generated' ? `${job.inDistribution}-gen` : `${job.dataset} (${job.split})`;

function subsample(job: ScoredJob, names: readonly string[], role: PlotSetRole): PlotSet {
  const indices = sampleWithoutReplacement(job.points, PLOT_POINTS_PER_SET, mulberry32(PLOT_SEED)).sort((a, b) => a - b);
  const scores: Record<string, number[]> = {};
  for (const name of names) {
    const values = job.scores[name];
    if (values) scores[name] = indices.map((i) => values[i]!);
  }
  return { role, label: labelOf(job, role), jobId: job.jobId, dataset: job.dataset, split: job.split, points: job.points, shown: indices.length, scores };
}

/**
 * The threshold pair of the rule "x ≥ a AND y ≥ b" (oriented scores) with the largest TPR − FPR (Youden's J),
 * over every b among the y values and every a among the x values. O(distinct y · n log n) on plot-sized sets.
 */
export function bestDualThreshold(
  positive: { x: readonly number[]; y: readonly number[] },
  negative: { x: readonly number[]; y: readonly number[] },
): { a: number; b: number; tpr: number; fpr: number } {
  const points = [
    ...positive.x.map((x, i) => ({ x, y: positive.y[i]!, positive: true })),
    ...negative.x.map((x, i) => ({ x, y: negative.y[i]!, positive: false })),
  ].sort((p, q) => q.x - p.x);
  let best = { a: Infinity, b: Infinity, tpr: 0, fpr: 0 };
  for (const b of new Set(points.map((p) => p.y))) {
    let tp = 0;
    let fp = 0;
    for (let k = 0; k < points.length; ) {
      const a = points[k]!.x;
      while (k < points.length && points[k]!.x === a) {
        if (points[k]!.y >= b) {
          if (points[k]!.positive) tp++;
          else fp++;
        }
        k++;
      }
      const tpr = tp / positive.x.length;
      const fpr = fp / negative.x.length;
      if (tpr - fpr > best.tpr - best.fpr) best = { a, b, tpr, fpr };
    }
  }
  return best;
}

/**
 * Plot data of the table row whose first replicate pairs `positiveJobId` with `negativeJobId` among `jobs`
 * (a sweep's scored jobs). Undefined when no such pair of jobs is there.
 */
export function evaluationPlots(jobs: readonly ScoredJob[], positiveJobId: string, negativeJobId: string): EvaluationPlots | undefined {
  const positive = jobs.find((j) => j.jobId === positiveJobId);
  const negative = jobs.find((j) => j.jobId === negativeJobId);
  if (!positive || !negative) return undefined;
  const schema = commonSchema([positive.schema, negative.schema]);
  const names = schema.scores.map((s) => s.name).filter((n) => positive.scores[n] && negative.scores[n]);
  const scores = schema.scores.filter((s) => names.includes(s.name));
  const positiveKind = positive.dataset === GENERATED_DATASET ? 'generated' : 'test';
  const sets = [subsample(positive, names, positiveKind === 'generated' ? 'generated' : 'in-distribution'), subsample(negative, names, 'ood')];
  // The group's other positive set (its test split or its samples), same seeds: drawn for context, not in the curves.
  const other = jobs.find(
    (j) =>
      j.modelKey === positive.modelKey && j.method === positive.method && j.variantKey === positive.variantKey && j.seedKey === positive.seedKey &&
      (positiveKind === 'test' ? j.dataset === GENERATED_DATASET : j.dataset === j.inDistribution && j.split === 'test'),
  );
  if (other) sets.push(subsample(other, names, positiveKind === 'test' ? 'generated' : 'in-distribution'));

  const [pos, neg] = sets as [PlotSet, PlotSet];
  const directionOf = (name: string) => scores.find((s) => s.name === name)!.direction;
  const oriented = (set: PlotSet, name: string) => orient(set.scores[name]!, directionOf(name));
  const curves: PlotCurve[] = scores.map((s) => {
    const p = oriented(pos, s.name);
    const n = oriented(neg, s.name);
    return { metric: `auc:${s.name}`, kind: 'single', label: s.label, ...rocCurve(p, n), auc: rocAuc(p, n) };
  });
  const combination = schema.combinations.find((c) => names.includes(c.scores[0]) && names.includes(c.scores[1]));
  let operatingPoint: DualOperatingPoint | null = null;
  if (combination) {
    const [x, y] = combination.scores;
    const p = { x: oriented(pos, x), y: oriented(pos, y) };
    const n = { x: oriented(neg, x), y: oriented(neg, y) };
    const frontier = dualThresholdFrontier(p, n);
    curves.push({ metric: `auc:dual:${x}+${y}`, kind: 'dual-threshold', label: `dual threshold (${x} & ${y})`, fpr: frontier.fpr, tpr: frontier.tpr, auc: frontier.auc });
    const best = bestDualThreshold(p, n);
    const raw = (value: number, name: string) => (directionOf(name) === 'higher-is-in-distribution' ? value : -value);
    operatingPoint = {
      scores: [x, y],
      x: { threshold: raw(best.a, x), direction: directionOf(x) },
      y: { threshold: raw(best.b, y), direction: directionOf(y) },
      tpr: best.tpr,
      fpr: best.fpr,
    };
  }
  return {
    row: {
      model: positive.modelLabel, method: positive.method, variant: positive.variant, inDistribution: positive.inDistribution,
      positive: positiveKind, negative: negative.dataset, negativeSplit: negative.split,
    },
    scores,
    pair: combination ? combination.scores : null,
    sets,
    curves,
    operatingPoint,
  };
}
