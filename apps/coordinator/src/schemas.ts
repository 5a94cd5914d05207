import { z } from 'zod';

import { JOB_STATES as jobStates, type JobState } from './job-states.js';
export { jobStates, type JobState };
export const JobStateSchema = z.enum(jobStates);
export const KindSchema = z.enum(['train', 'ood']);

export const ErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  errors: z
    .array(
      z.object({
        path: z.string(),
        message: z.string(),
        code: z.string().optional(),
        quirk: z.string().optional(),
        line: z.number().optional(),
        file: z.string().optional(),
      }),
    )
    .optional(),
});

export const IdParams = z.object({ id: z.string().uuid() });

export const PageQuery = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(1000).default(50),
});

const Json = z.unknown();

export const CountsSchema = z.object(Object.fromEntries(jobStates.map((s) => [s, z.number()])) as Record<(typeof jobStates)[number], z.ZodNumber>);

export const SweepSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  kind: KindSchema,
  status: z.string(),
  jobCount: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

/** Queued jobs of a requirement class (`resources`) that no live worker meets: present only when there are some. */
export const UnservableSchema = z
  .array(z.object({ requirementClass: z.string(), kind: KindSchema, queued: z.number(), message: z.string() }))
  .optional()
  .describe('queued jobs whose resources no live worker has, per requirement class; they stay queued until one joins');

export const SweepDetailSchema = SweepSummarySchema.extend({
  unservable: UnservableSchema,
  options: Json,
  counts: CountsSchema,
  progress: z.object({
    finished: z.number(),
    total: z.number(),
    fraction: z.number(),
    workDone: z.number().describe("(finished jobs + the fractions running jobs report) / total: what an ETA is projected from"),
  }),
  timings: z.object({ elapsedMs: z.number().nullable(), meanSucceededJobMs: z.number().nullable() }),
});

export const JobSummarySchema = z.object({
  id: z.string(),
  gridIndex: z.number(),
  name: z.string(),
  state: JobStateSchema,
  attempts: z.number(),
  progress: Json,
  error: z.string().nullable(),
  /** The job's grid point: the swept keys and their values (dotted paths). */
  point: Json,
  backend: z.string().nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const JobDetailSchema = JobSummarySchema.extend({
  unservable: UnservableSchema,
  sweepId: z.string(),
  config: Json,
  configHash: z.string(),
  maxAttempts: z.number(),
  workdirKey: z.string(),
  backend: z.string().nullable(),
  workerId: z.string().nullable(),
  summary: Json,
  /** Where the latest attempt's result came from (code version, worker, host, node, backend, seeds, datasets, …). */
  provenance: Json,
  attemptLog: z.array(
    z.object({
      attempt: z.number(),
      workerId: z.string().nullable(),
      backend: z.string().nullable(),
      outcome: z.string(),
      error: z.string().nullable(),
      provenance: Json,
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
    }),
  ),
  artifacts: z.array(z.object({ name: z.string(), kind: z.string(), uri: z.string(), bytes: z.number(), sha256: z.string() })),
  dependsOn: z.array(z.string()),
});

export const PointResultSchema = z.object({
  id: z.string(),
  jobId: z.string(),
  gridIndex: z.number(),
  jobName: z.string(),
  dataset: z.string(),
  split: z.string(),
  pointIndex: z.number(),
  /** Every score of the point by name (snake_case), null where not computed. */
  scores: z.record(z.string(), z.number().nullable()),
});

export const SweepListItemSchema = SweepSummarySchema.extend({ counts: CountsSchema });

export const pageOf = <T extends z.ZodTypeAny>(item: T) => z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });

export const LogLineSchema = z.object({ id: z.number(), attempt: z.number(), level: z.string(), message: z.string(), data: z.unknown(), createdAt: z.string() });

export const MetricSeriesSchema = z.object({
  name: z.string(),
  scope: z.enum(['step', 'epoch']),
  points: z.array(z.object({ step: z.number(), epoch: z.number().nullable(), value: z.number().nullable(), attempt: z.number() })),
});

export const MetricEstimateSchema = z.object({
  metric: z.string().describe('auc:<score>, auc:dual:<a>+<b> or auc:max'),
  kind: z.enum(['single', 'dual-threshold', 'max']),
  scores: z.array(z.string()),
  label: z.string(),
  value: z.number().describe('AUC, positives = in-distribution; the mean over seeds when the row aggregates several'),
  std: z.number().nullable().describe('standard deviation over seeds; null with one seed'),
  ci: z
    .object({ low: z.number(), high: z.number(), level: z.number(), resamples: z.number() })
    .nullable()
    .describe('percentile bootstrap interval; null when not computed. Dual-threshold intervals of large sets use fewer resamples than bootstrap.resamples'),
});

export const EvaluationRowSchema = z.object({
  model: z.string().describe("the model: the training job's run name for a {sweep, job} reference"),
  modelKey: z.string(),
  method: z.string(),
  variant: z.string().describe("settings that tell apart jobs of one model and method ('' when there is one variant)"),
  inDistribution: z.string(),
  positive: z.enum(['test', 'generated']),
  negative: z.string(),
  negativeSplit: z.string(),
  seeds: z.number().describe('seed replicates aggregated in this row'),
  positiveJobIds: z.array(z.string()),
  negativeJobIds: z.array(z.string()),
  positives: z.number(),
  negatives: z.number(),
  metrics: z.array(MetricEstimateSchema),
});

export const EvaluationSchema = z.object({
  sweepId: z.string(),
  complete: z.boolean(),
  protocol: z.object({ name: z.string(), computeLimit: z.number().optional(), seed: z.number().optional() }),
  bootstrap: z.object({ resamples: z.number(), seed: z.number(), level: z.number() }),
  rows: z.array(EvaluationRowSchema),
});

const DirectionSchema = z.enum(['higher-is-in-distribution', 'lower-is-in-distribution']);
const ThresholdSchema = z.object({ threshold: z.number(), direction: DirectionSchema });

export const EvaluationPlotsSchema = z.object({
  row: EvaluationRowSchema.pick({ model: true, method: true, variant: true, inDistribution: true, positive: true, negative: true, negativeSplit: true }),
  scores: z.array(z.object({ name: z.string(), label: z.string(), direction: DirectionSchema })),
  pair: z.tuple([z.string(), z.string()]).nullable(),
  sets: z.array(
    z.object({
      role: z.enum(['in-distribution', 'ood', 'generated']), label: z.string(), jobId: z.string(), dataset: z.string(), split: z.string(),
      points: z.number(), shown: z.number(), scores: z.record(z.string(), z.array(z.number())),
    }),
  ),
  curves: z.array(
    z.object({ metric: z.string(), kind: z.enum(['single', 'dual-threshold']), label: z.string(), fpr: z.array(z.number()), tpr: z.array(z.number()), auc: z.number() }),
  ),
  operatingPoint: z.object({ scores: z.tuple([z.string(), z.string()]), x: ThresholdSchema, y: ThresholdSchema, tpr: z.number(), fpr: z.number() }).nullable(),
});

/** Dates as ISO strings (JSON has none). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
