import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams, PointResultSchema } from '../schemas.js';

const COLUMNS = ['job_id', 'grid_index', 'job_name', 'dataset', 'split', 'point_index', 'log_likelihood', 'lid', 'scores'] as const;

const SELECT = `SELECT r.id, r.job_id, j.grid_index, j.name AS job_name, r.dataset, r.split, r.point_index,
                       r.log_likelihood, r.lid, r.scores
                FROM point_results r JOIN jobs j ON j.id = r.job_id
                WHERE j.sweep_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3`;

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const resultRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, prisma } = app.services;

  app.get(
    '/sweeps/:id/results',
    {
      schema: {
        summary: "Per-point results of a sweep's jobs. JSON pages (?after=<last id>&limit=); with Accept: text/csv, all rows as CSV",
        params: IdParams,
        querystring: z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(10_000).default(1000) }),
        produces: ['application/json', 'text/csv'],
        response: {
          200: z.union([z.object({ items: z.array(PointResultSchema), next: z.number().nullable() }), z.string()]),
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const sweepId = request.params.id;
      if (!(await prisma.sweep.count({ where: { id: sweepId } }))) throw new SweepNotFoundError(sweepId);
      if (request.headers.accept?.includes('text/csv')) {
        // Streamed in keyset pages: any number of rows in constant memory.
        async function* lines() {
          yield `${COLUMNS.join(',')}\n`;
          let after = 0;
          for (;;) {
            const { rows } = await pool.query(SELECT, [sweepId, after, 5000]);
            if (rows.length === 0) return;
            yield rows.map((r) => `${COLUMNS.map((c) => csvField(r[c])).join(',')}\n`).join('');
            after = Number(rows[rows.length - 1].id);
          }
        }
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="sweep-${sweepId}-results.csv"`)
          .send(Readable.from(lines()) as unknown as string);
      }
      const { rows } = await pool.query(SELECT, [sweepId, request.query.after, request.query.limit]);
      const items = rows.map((r) => ({
        id: String(r.id), jobId: r.job_id, gridIndex: r.grid_index, jobName: r.job_name, dataset: r.dataset, split: r.split,
        pointIndex: r.point_index, logLikelihood: r.log_likelihood, lid: r.lid, scores: r.scores,
      }));
      return { items, next: rows.length === request.query.limit ? Number(rows[rows.length - 1].id) : null };
    },
  );
};
