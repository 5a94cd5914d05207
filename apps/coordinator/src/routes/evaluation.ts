import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PROTOCOL_NAMES, protocolNamed } from '@dgm-ood/evaluation';
import { evaluateSweep, storedEvaluation } from '@dgm-ood/jobs';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams } from '../schemas.js';

const MetricSchema = z.object({
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

const RowSchema = z.object({
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
  metrics: z.array(MetricSchema),
});

export const evaluationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, prisma } = app.services;
  app.get(
    '/sweeps/:id/evaluation',
    {
      schema: {
        summary:
          "AUC table of an OOD sweep, per (model, method, positive, negative dataset): its test split and its generated samples (positives) against every other dataset the same model and method scored. Per row: each score's AUC (with its direction), each declared dual-threshold combination's AUC, auc:max (the reference's reported AUC: max of the first score's AUC and the dual-threshold AUCs), each with a percentile bootstrap interval; seeds aggregated (mean, std, n)",
        params: IdParams,
        querystring: z.object({
          refresh: z.enum(['true', 'false']).default('false'),
          protocol: z.enum(PROTOCOL_NAMES).default('exact'),
        }),
        response: {
          200: z.object({
            sweepId: z.string(),
            complete: z.boolean(),
            protocol: z.object({ name: z.string(), computeLimit: z.number().optional(), seed: z.number().optional() }),
            bootstrap: z.object({ resamples: z.number(), seed: z.number(), level: z.number() }),
            rows: z.array(RowSchema),
          }),
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await prisma.sweep.count({ where: { id } }))) throw new SweepNotFoundError(id);
      const protocol = protocolNamed(request.query.protocol);
      if (request.query.refresh === 'false' && protocol.name === 'exact') {
        const stored = await storedEvaluation(pool, id);
        if (stored) return stored;
      }
      // Finished sweeps get their table stored; running ones get a provisional table of what has finished.
      return evaluateSweep(pool, id, protocol);
    },
  );
};
