import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { configuredArtifactStore, findUnservableJobs, listArtifacts, requeueJobs, sweepRetryPolicy, withRequirementClasses } from '@dgm-ood/jobs';
import { clearCancellation, resubmitJobs } from '@dgm-ood/queue';
import { ArtifactNotFoundError, ArtifactUnreadableError, CoordinatorJobNotFoundError, JobNotRetryableError } from '../errors.js';
import { workerFreshMs } from '../resource-requirements.js';
import { ErrorSchema, IdParams, iso, JobDetailSchema, JobStateSchema, LogLineSchema, MetricSeriesSchema } from '../schemas.js';

export const jobRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, pool, queues, redis } = app.services;

  app.get(
    '/jobs/:id',
    {
      schema: {
        summary: 'A job: its concrete config, attempts, progress, error and artifacts',
        params: IdParams,
        response: { 200: JobDetailSchema, 404: ErrorSchema },
      },
    },
    async (request) => {
      const job = await prisma.job.findUnique({
        where: { id: request.params.id },
        include: { attemptLog: { orderBy: { attempt: 'asc' } }, artifacts: { orderBy: { name: 'asc' } }, dependsOn: true },
      });
      if (!job) throw new CoordinatorJobNotFoundError(request.params.id);
      const unservable = await findUnservableJobs(pool, { jobId: job.id }, workerFreshMs(app.services.config.workerHeartbeatMs));
      return {
        ...(unservable.length > 0 ? { unservable } : {}),
        id: job.id, sweepId: job.sweepId, gridIndex: job.gridIndex, name: job.name, state: job.state,
        attempts: job.attempts, maxAttempts: job.maxAttempts, progress: job.progress, error: job.error,
        point: job.point, config: job.config, configHash: job.configHash, workdirKey: job.workdirKey,
        backend: job.backend, workerId: job.workerId, summary: job.summary, provenance: job.provenance,
        startedAt: iso(job.startedAt), finishedAt: iso(job.finishedAt),
        attemptLog: job.attemptLog.map((a) => ({
          attempt: a.attempt, workerId: a.workerId, backend: a.backend, outcome: a.outcome, error: a.error, provenance: a.provenance,
          startedAt: a.startedAt.toISOString(), finishedAt: iso(a.finishedAt),
        })),
        artifacts: job.artifacts.map((a) => ({ name: a.name, kind: a.kind, uri: a.uri, bytes: Number(a.bytes), sha256: a.sha256 })),
        dependsOn: job.dependsOn.map((d) => d.dependsOnId),
      };
    },
  );

  app.get(
    '/jobs/:id/logs',
    {
      schema: {
        summary: "A job's log lines (all attempts), oldest first; page with ?after=<last id>",
        params: IdParams,
        querystring: z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(5000).default(500) }),
        response: {
          200: z.object({
            items: z.array(LogLineSchema),
          }),
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const exists = await prisma.job.count({ where: { id: request.params.id } });
      if (!exists) throw new CoordinatorJobNotFoundError(request.params.id);
      const { rows } = await pool.query(
        `SELECT id, attempt, level, message, data, created_at FROM job_logs WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
        [request.params.id, request.query.after, request.query.limit],
      );
      return {
        items: rows.map((r) => ({ id: Number(r.id), attempt: r.attempt, level: r.level, message: r.message, data: r.data, createdAt: (r.created_at as Date).toISOString() })),
      };
    },
  );

  app.get(
    '/jobs/:id/metrics',
    {
      schema: {
        summary:
          "A job's logged metric series (training loss, bits/dim, learning rate, gradient norm per step; train and validation per epoch), optionally one name or scope",
        params: IdParams,
        querystring: z.object({ name: z.string().min(1).optional(), scope: z.enum(['step', 'epoch']).optional() }),
        response: {
          200: z.object({
            series: z.array(MetricSeriesSchema),
          }),
          404: ErrorSchema,
        },
      },
    },
    async (request) => {
      const exists = await prisma.job.count({ where: { id: request.params.id } });
      if (!exists) throw new CoordinatorJobNotFoundError(request.params.id);
      const { rows } = await pool.query(
        `SELECT name, scope, step, epoch, value, attempt FROM job_metrics
          WHERE job_id = $1 AND ($2::text IS NULL OR name = $2) AND ($3::text IS NULL OR scope = $3)
          ORDER BY scope DESC, name, step`,
        [request.params.id, request.query.name ?? null, request.query.scope ?? null],
      );
      const series = new Map<string, { name: string; scope: 'step' | 'epoch'; points: Array<{ step: number; epoch: number | null; value: number | null; attempt: number }> }>();
      for (const r of rows) {
        const key = `${r.scope}/${r.name}`;
        if (!series.has(key)) series.set(key, { name: r.name, scope: r.scope, points: [] });
        series.get(key)!.points.push({ step: r.step, epoch: r.epoch, value: r.value, attempt: r.attempt });
      }
      return { series: [...series.values()] };
    },
  );

  const store = configuredArtifactStore(app.services.config, pool);
  const CONTENT_TYPES: Record<string, string> = { '.png': 'image/png', '.json': 'application/json', '.svg': 'image/svg+xml', '.csv': 'text/csv' };
  app.get(
    '/jobs/:id/artifacts/*',
    {
      schema: {
        summary: "One artifact of a job by its name (e.g. samples/epoch-001.png), as stored (sha256-verified): images inline, other files as downloads",
        params: z.object({ id: z.string(), '*': z.string().min(1) }),
        response: { 404: ErrorSchema, 502: ErrorSchema },
      },
    },
    async (request, reply) => {
      const { id, '*': name } = request.params;
      if (!(await prisma.job.count({ where: { id } }))) throw new CoordinatorJobNotFoundError(id);
      const artifact = (await listArtifacts(pool, id)).find((a) => a.name === name);
      if (!artifact) throw new ArtifactNotFoundError(id, name);
      // Fetched into a scratch directory (verifies the hash), streamed, then removed.
      const dir = await mkdtemp(join(tmpdir(), 'dgm-ood-artifact-'));
      const path = join(dir, 'file');
      try {
        await store.fetch(artifact, path);
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        throw new ArtifactUnreadableError(name, id, (error as Error).message);
      }
      const type = CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
      const stream = createReadStream(path);
      stream.on('close', () => void rm(dir, { recursive: true, force: true }));
      reply.type(type).header('content-length', artifact.bytes);
      if (!type.startsWith('image/')) reply.header('content-disposition', `attachment; filename="${name.split('/').pop()!.replace(/"/g, '')}"`);
      return reply.send(stream as never);
    },
  );

  app.post(
    '/jobs/:id/retry',
    {
      schema: {
        summary: 'Run one finished job again (failed, cancelled or succeeded), with a fresh attempt budget',
        params: IdParams,
        response: { 200: z.object({ id: z.string(), state: JobStateSchema }), 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request) => {
      const job = await prisma.job.findUnique({ where: { id: request.params.id }, include: { sweep: true } });
      if (!job) throw new CoordinatorJobNotFoundError(request.params.id);
      if (!['failed', 'cancelled', 'succeeded'].includes(job.state)) throw new JobNotRetryableError(job.id, job.state);
      const retry = sweepRetryPolicy(job.sweep.options);
      const ids = await requeueJobs(pool, { jobId: job.id }, ['failed', 'cancelled', 'succeeded'], retry.attempts);
      await clearCancellation(redis, [job.id]);
      await resubmitJobs(queues, await withRequirementClasses(pool, ids.map((jobId) => ({ jobId, sweepId: job.sweepId, kind: job.sweep.kind, retry }))));
      const after = await prisma.job.findUniqueOrThrow({ where: { id: job.id } });
      return { id: job.id, state: after.state };
    },
  );
};
