import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PLOT_POINTS_PER_SET, PROTOCOL_NAMES, protocolNamed } from '@dgm-ood/evaluation';
import { storedEvaluation } from '@dgm-ood/jobs';
import { EvaluationRowNotFoundError, SweepNotFoundError } from '../errors.js';
import { ErrorSchema, EvaluationPlotsSchema, EvaluationSchema, IdParams } from '../schemas.js';

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
          200: EvaluationSchema,
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
      // Finished sweeps get their table stored; running ones get a provisional table of what has finished. Computed
      // in the evaluation thread (an exact frontier is O(n²)); concurrent requests for one sweep share it.
      return app.sweepEvaluator.evaluate(id, protocol);
    },
  );

  app.get(
    '/sweeps/:id/evaluation/plots',
    {
      schema: {
        summary: `What the evaluation page draws for one table row (named by its first replicate's positive and negative job ids): the points of the in-distribution, OOD and generated sets (each score; at most ${PLOT_POINTS_PER_SET} per set, a seeded subsample), each score's ROC curve, the dual-threshold ROC frontier and its best operating point (max TPR − FPR)`,
        params: IdParams,
        querystring: z.object({ positive: z.string().min(1), negative: z.string().min(1) }),
        response: {
          200: EvaluationPlotsSchema,
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await prisma.sweep.count({ where: { id } }))) throw new SweepNotFoundError(id);
      const { positive, negative } = request.query;
      // Every scored row of the sweep, ROC curves and the dual frontier: in the evaluation thread, as the table.
      const plots = await app.sweepEvaluator.plots(id, positive, negative);
      if (!plots) throw new EvaluationRowNotFoundError(id, positive, negative);
      return plots;
    },
  );
};
