import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cancelSweep, requeueJobs, sweepRetryPolicy } from '@dgm-ood/jobs';
import { clearCancellation, removeQueuedJobs, requestCancellation, resubmitJobs } from '@dgm-ood/queue';
import { SweepNotFoundError } from '../errors.js';
import {
  ErrorSchema, IdParams, iso, JobStateSchema, JobSummarySchema, jobStates, PageQuery, SweepDetailSchema, SweepSummarySchema,
} from '../schemas.js';

type SweepRow = { id: string; name: string; kind: 'train' | 'ood'; status: string; jobCount: number; createdAt: Date; startedAt: Date | null; finishedAt: Date | null };

const summary = (s: SweepRow) => ({
  id: s.id, name: s.name, kind: s.kind, status: s.status, jobCount: s.jobCount,
  createdAt: s.createdAt.toISOString(), startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt),
});

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
        summary: 'List sweeps, newest first',
        querystring: PageQuery,
        response: { 200: z.object({ items: z.array(SweepSummarySchema), total: z.number(), page: z.number(), pageSize: z.number() }) },
      },
    },
    async (request) => {
      const { page, pageSize } = request.query;
      const [items, total] = await Promise.all([
        prisma.sweep.findMany({ orderBy: { createdAt: 'desc' }, skip: (page - 1) * pageSize, take: pageSize }),
        prisma.sweep.count(),
      ]);
      return { items: items.map(summary), total, page, pageSize };
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
      const sweep = await findSweep(request.params.id);
      const { rows } = await pool.query(
        `SELECT state, count(*)::int AS n,
                avg(extract(epoch FROM finished_at - started_at) * 1000) FILTER (WHERE state = 'succeeded') AS mean_ms
         FROM jobs WHERE sweep_id = $1 GROUP BY state`,
        [sweep.id],
      );
      const counts = Object.fromEntries(jobStates.map((s) => [s, 0])) as Record<(typeof jobStates)[number], number>;
      let meanSucceededJobMs: number | null = null;
      for (const row of rows) {
        counts[row.state as (typeof jobStates)[number]] = row.n as number;
        if (row.state === 'succeeded' && row.mean_ms !== null) meanSucceededJobMs = Number(row.mean_ms);
      }
      const finished = counts.succeeded + counts.failed + counts.cancelled;
      const end = sweep.finishedAt ?? new Date();
      return {
        ...summary(sweep),
        options: sweep.options,
        counts,
        progress: { finished, total: sweep.jobCount, fraction: sweep.jobCount ? finished / sweep.jobCount : 1 },
        timings: { elapsedMs: sweep.startedAt ? end.getTime() - sweep.startedAt.getTime() : null, meanSucceededJobMs },
      };
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
          200: z.object({ items: z.array(JobSummarySchema), total: z.number(), page: z.number(), pageSize: z.number() }),
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
        items: items.map((j) => ({
          id: j.id, gridIndex: j.gridIndex, name: j.name, state: j.state, attempts: j.attempts,
          progress: j.progress, error: j.error, startedAt: iso(j.startedAt), finishedAt: iso(j.finishedAt),
        })),
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
      const stopped = await cancelSweep(pool, request.params.id);
      if (!stopped) throw new SweepNotFoundError(request.params.id);
      await removeQueuedJobs(queues, stopped.kind, stopped.notStarted);
      await requestCancellation(redis, stopped.running);
      return { cancelled: stopped.notStarted.length + stopped.running.length, stopping: stopped.running.length };
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
      await resubmitJobs(queues, ids.map((jobId) => ({ jobId, sweepId: sweep.id, kind: sweep.kind, retry })));
      return { requeued: ids.length };
    },
  );
};
