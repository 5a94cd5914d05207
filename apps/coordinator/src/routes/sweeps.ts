import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requeueJobs, sweepRetryPolicy, withRequirementClasses } from '@dgm-ood/jobs';
import { clearCancellation, resubmitJobs } from '@dgm-ood/queue';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams, JobStateSchema, JobSummarySchema, PageQuery, pageOf, SweepDetailSchema, SweepListItemSchema } from '../schemas.js';
import { stopSweep } from '../sweep-stopping.js';
import { withUnservable } from '../resource-requirements.js';
import { jobCounts, jobCountsOf, jobSummary, sweepDetail, sweepSummary } from '../views/sweep-views.js';

export const sweepRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, pool, queues, redis } = app.services;

  const findSweep = async (id: string) => {
    const sweep = await prisma.sweep.findUnique({ where: { id } });
    if (!sweep) throw new SweepNotFoundError(id);
    return sweep;
  };

  app.get(
    '/sweeps',
    {
      schema: {
        summary: 'List sweeps, newest first, each with its job counts per state',
        querystring: PageQuery,
        response: { 200: pageOf(SweepListItemSchema) },
      },
    },
    async (request) => {
      const { page, pageSize } = request.query;
      const [items, total] = await Promise.all([
        prisma.sweep.findMany({ orderBy: { createdAt: 'desc' }, skip: (page - 1) * pageSize, take: pageSize }),
        prisma.sweep.count(),
      ]);
      const counts = await jobCountsOf(pool, items.map((s) => s.id));
      return { items: items.map((s) => ({ ...sweepSummary(s), counts: counts.get(s.id) ?? jobCounts([]) })), total, page, pageSize };
    },
  );

  app.get(
    '/sweeps/:id',
    {
      schema: {
        summary: 'A sweep with job counts per state, progress and timings',
        params: IdParams,
        response: { 200: SweepDetailSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const detail = await sweepDetail(prisma, pool, request.params.id);
      if (!detail) throw new SweepNotFoundError(request.params.id);
      return withUnservable(pool, request.params.id, detail, app.services.config.workerHeartbeatMs);
    },
  );

  app.get(
    '/sweeps/:id/jobs',
    {
      schema: {
        summary: "A sweep's jobs in grid order, optionally of one state",
        params: IdParams,
        querystring: PageQuery.extend({ state: JobStateSchema.optional() }),
        response: {
          200: pageOf(JobSummarySchema),
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const sweep = await findSweep(request.params.id);
      const { page, pageSize, state } = request.query;
      const where = { sweepId: sweep.id, ...(state ? { state } : {}) };
      const [items, total] = await Promise.all([
        prisma.job.findMany({ where, orderBy: { gridIndex: 'asc' }, skip: (page - 1) * pageSize, take: pageSize }),
        prisma.job.count({ where }),
      ]);
      return {
        items: items.map(jobSummary),
        total, page, pageSize,
      };
    },
  );

  app.post(
    '/sweeps/:id/cancel',
    {
      schema: {
        summary: 'Cancel every job of a sweep that has not finished: queued jobs are dropped, running ones are stopped',
        params: IdParams,
        response: { 200: z.object({ cancelled: z.number(), stopping: z.number() }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const stopped = await stopSweep(app.services, request.params.id);
      if (!stopped) throw new SweepNotFoundError(request.params.id);
      return stopped;
    },
  );

  app.post(
    '/sweeps/:id/retry-failed',
    {
      schema: {
        summary: 'Run the failed jobs of a sweep again (and only those), with a fresh attempt budget',
        params: IdParams,
        response: { 200: z.object({ requeued: z.number() }), 404: ErrorSchema },
      },
    },
    async (request) => {
      const sweep = await findSweep(request.params.id);
      const retry = sweepRetryPolicy(sweep.options);
      const ids = await requeueJobs(pool, { sweepId: sweep.id }, ['failed'], retry.attempts);
      await clearCancellation(redis, ids);
      await resubmitJobs(queues, await withRequirementClasses(pool, ids.map((jobId) => ({ jobId, sweepId: sweep.id, kind: sweep.kind, retry }))));
      return { requeued: ids.length };
    },
  );
};
