import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '@dgm-ood/db';
import { jobScoring, type JsonValue } from '@dgm-ood/jobs';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams, PointResultSchema } from '../schemas.js';

/** Columns of every CSV row before the per-score ones: the point, its job, and where the job's result came from. */
const LEADING_COLUMNS = ['job_id', 'grid_index', 'job_name', 'method', 'code_version', 'backend', 'dataset', 'split', 'point_index'] as const;

const SELECT = `SELECT r.id, r.job_id, j.grid_index, j.name AS job_name, r.dataset, r.split, r.point_index, r.scores
                FROM point_results r JOIN jobs j ON j.id = r.job_id
                WHERE j.sweep_id = $1 AND r.id > $2 ORDER BY r.id LIMIT $3`;

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

interface JobColumns {
  method: string;
  code_version: string | null;
  backend: string | null;
}

/**
 * The sweep's jobs' CSV columns (method, provenance) and the score columns: every score its jobs declare,
 * in declaration order (jobs in grid order), then any other score name its rows carry (sorted).
 */
async function csvLayout(pool: Pool, sweepId: string): Promise<{ jobs: Map<string, JobColumns>; scores: string[] }> {
  const { rows } = await pool.query(
    `SELECT id, config, summary, provenance->>'codeVersion' AS code_version, coalesce(provenance->>'backend', backend) AS backend
     FROM jobs WHERE sweep_id = $1 ORDER BY grid_index`,
    [sweepId],
  );
  const jobs = new Map<string, JobColumns>();
  const scores = new Set<string>();
  for (const row of rows) {
    const { method, scoreSchema } = jobScoring(row.id, row.config as JsonValue, row.summary as JsonValue | null);
    jobs.set(row.id, { method, code_version: row.code_version, backend: row.backend });
    for (const score of scoreSchema.scores) scores.add(score.name);
  }
  const { rows: stored } = await pool.query(
    `SELECT DISTINCT jsonb_object_keys(r.scores) AS name FROM point_results r JOIN jobs j ON j.id = r.job_id WHERE j.sweep_id = $1`,
    [sweepId],
  );
  const undeclared = stored.map((r) => r.name as string).filter((name) => !scores.has(name)).sort();
  return { jobs, scores: [...scores, ...undeclared] };
}

export const resultRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, prisma } = app.services;

  app.get(
    '/sweeps/:id/results',
    {
      schema: {
        summary:
          "Per-point results of a sweep's jobs. JSON pages (?after=<last id>&limit=) with every score by name; with Accept: text/csv, all rows as CSV: job columns (job_id, grid_index, job_name, method, code_version, backend), the point, then one column per named score",
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
        const layout = await csvLayout(pool, sweepId);
        const unknownJob: JobColumns = { method: '', code_version: null, backend: null };
        // Streamed in keyset pages: any number of rows in constant memory.
        async function* lines() {
          yield `${[...LEADING_COLUMNS, ...layout.scores].join(',')}\n`;
          let after = 0;
          for (;;) {
            const { rows } = await pool.query(SELECT, [sweepId, after, 5000]);
            if (rows.length === 0) return;
            yield rows
              .map((r) => {
                const fields: Record<string, unknown> = { ...r, ...(layout.jobs.get(r.job_id) ?? unknownJob) };
                const scores = (r.scores ?? {}) as Record<string, unknown>;
                return `${[...LEADING_COLUMNS.map((c) => csvField(fields[c])), ...layout.scores.map((s) => csvField(scores[s]))].join(',')}\n`;
              })
              .join('');
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
        pointIndex: r.point_index, scores: r.scores ?? {},
      }));
      return { items, next: rows.length === request.query.limit ? Number(rows[rows.length - 1].id) : null };
    },
  );
};
