import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { evaluateSweep, storedEvaluation } from '@dgm-ood/jobs';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams } from '../schemas.js';

const RowSchema = z.object({
  model: z.string(),
  inDistribution: z.string(),
  positive: z.enum(['test', 'generated']),
  negative: z.string(),
  negativeSplit: z.string(),
  positiveJobId: z.string(),
  negativeJobId: z.string(),
  positives: z.number(),
  negatives: z.number(),
  naiveAuc: z.number(),
  dualAuc: z.number().nullable(),
  reportedAuc: z.number(),
  lidAuc: z.number().nullable(),
});

export const evaluationRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, prisma } = app.services;
  app.get(
    '/sweeps/:id/evaluation',
    {
      schema: {
        summary:
          'AUC table of an OOD sweep: per model, its test split and its generated samples (positives) against every other dataset it scored: naive likelihood AUC, dual-threshold AUC (likelihood AND LID), max of both, LID alone',
        params: IdParams,
        querystring: z.object({
          refresh: z.enum(['true', 'false']).default('false'),
          protocol: z.enum(['exact', 'reference-randomised']).default('exact'),
        }),
        response: {
          200: z.object({
            sweepId: z.string(),
            complete: z.boolean(),
            protocol: z.object({ name: z.string(), computeLimit: z.number().optional(), seed: z.number().optional() }),
            rows: z.array(RowSchema),
          }),
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await prisma.sweep.count({ where: { id } }))) throw new SweepNotFoundError(id);
      const protocol = request.query.protocol === 'exact' ? ({ name: 'exact' } as const) : ({ name: 'reference-randomised', computeLimit: 100_000, seed: 111 } as const);
      if (request.query.refresh === 'false' && protocol.name === 'exact') {
        const stored = await storedEvaluation(pool, id);
        if (stored) return stored;
      }
      // Finished sweeps get their table stored; running ones get a provisional table of what has finished.
      return evaluateSweep(pool, id, protocol);
    },
  );
};
