import { z } from 'zod';

export const jobStates = ['pending', 'waiting', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
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

export const SweepDetailSchema = SweepSummarySchema.extend({
  options: Json,
  counts: CountsSchema,
  progress: z.object({ finished: z.number(), total: z.number(), fraction: z.number() }),
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
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const JobDetailSchema = JobSummarySchema.extend({
  sweepId: z.string(),
  point: Json,
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

/** Dates as ISO strings (JSON has none). */
export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
