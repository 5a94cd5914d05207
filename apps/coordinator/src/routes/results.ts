import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '@dgm-ood/db';
import { jobScoring, resolveModelReference, type JsonValue } from '@dgm-ood/jobs';
import { SweepNotFoundError } from '../errors.js';
import { referenceColumns, referenceInDistribution, referenceRow, type ReferenceJob } from '../reference-export.js';
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

/** W&B's CSV export quotes every field; the reference notebooks read that with pandas. */
const quotedField = (value: unknown): string => `"${value === null || value === undefined ? '' : String(value).replace(/"/g, '""')}"`;

const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined), value);

/**
 * The jobs of a sweep (or only `ids`) as the reference export needs them. An OOD config that does not name its
 * in-distribution dataset gets the dataset its `{sweep, job}` model was trained on (`data.dataset`).
 */
async function referenceJobs(pool: Pool, sweepId: string, ids?: string[]): Promise<Map<string, ReferenceJob>> {
  const { rows } = await pool.query(
    `SELECT id, grid_index, name, config_hash, config FROM jobs WHERE sweep_id = $1 AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))`,
    [sweepId, ids ?? null],
  );
  const models = new Map<string, string | undefined>();
  const jobs = new Map<string, ReferenceJob>();
  for (const row of rows) {
    const job: ReferenceJob = { id: row.id, gridIndex: row.grid_index, name: row.name, configHash: row.config_hash, config: row.config };
    const [sweep, ref] = [at(row.config, 'base_model', 'sweep'), at(row.config, 'base_model', 'job')];
    if (referenceInDistribution(job) === undefined && typeof sweep === 'string' && (typeof ref === 'string' || typeof ref === 'number')) {
      const key = JSON.stringify([sweep, ref]);
      if (!models.has(key)) {
        // A model whose sweep is gone leaves the row under the job's own name, as a training row.
        const resolved = await resolveModelReference(pool, { path: 'base_model', sweep, job: ref }).catch(() => undefined);
        const { rows: model } = resolved ? await pool.query('SELECT config FROM jobs WHERE id = $1', [resolved.jobId]) : { rows: [] };
        const dataset = at(model[0]?.config, 'data', 'dataset');
        models.set(key, typeof dataset === 'string' ? dataset : undefined);
      }
      const modelDataset = models.get(key);
      if (modelDataset !== undefined) job.modelDataset = modelDataset;
    }
    jobs.set(job.id, job);
  }
  return jobs;
}

const ReferenceRowSchema = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

/** Streams every result row of a sweep as CSV, in keyset pages: any number of rows in constant memory. */
function sendCsv(reply: FastifyReply, filename: string, header: string, pool: Pool, sweepId: string, line: (row: any) => string) {
  async function* lines() {
    yield header;
    let after = 0;
    for (;;) {
      const { rows } = await pool.query(SELECT, [sweepId, after, 5000]);
      if (rows.length === 0) return;
      yield rows.map(line).join('');
      after = Number(rows[rows.length - 1].id);
    }
  }
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(Readable.from(lines()) as unknown as string);
}

export const resultRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, prisma } = app.services;

  app.get(
    '/sweeps/:id/results',
    {
      schema: {
        summary:
          "Per-point results of a sweep's jobs. JSON pages (?after=<last id>&limit=) with every score by name; with Accept: text/csv, all rows as CSV: job columns (job_id, grid_index, job_name, method, code_version, backend), the point, then one column per named score. " +
          "names=reference: the reference project's W&B table export instead (JSON rows and CSV): the run columns _defaultColorIndex, id (the job id) and name ({A}_vs_{B}_{split}_{word}) and the reference's score column names (log-likelihood, LID, …)",
        params: IdParams,
        querystring: z.object({
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
          names: z.enum(['ours', 'reference']).default('ours'),
        }),
        produces: ['application/json', 'text/csv'],
        response: {
          200: z.union([
            z.object({ items: z.array(PointResultSchema), next: z.number().nullable() }),
            z.object({ items: z.array(ReferenceRowSchema), next: z.number().nullable() }),
            z.string(),
          ]),
          404: ErrorSchema,
        },
      },
    },
    async (request, reply) => {
      const sweepId = request.params.id;
      if (!(await prisma.sweep.count({ where: { id: sweepId } }))) throw new SweepNotFoundError(sweepId);
      const reference = request.query.names === 'reference';
      if (request.headers.accept?.includes('text/csv') && reference) {
        const layout = await csvLayout(pool, sweepId);
        const jobs = await referenceJobs(pool, sweepId);
        const columns = referenceColumns(layout.scores);
        const header = `${columns.map(quotedField).join(',')}\n`;
        return sendCsv(reply, `sweep-${sweepId}-results-reference.csv`, header, pool, sweepId, (r) => {
          const row = referenceRow(jobs.get(r.job_id)!, { dataset: r.dataset, split: r.split, scores: r.scores ?? {} });
          return `${columns.map((c) => quotedField(row[c])).join(',')}\n`;
        });
      }
      if (request.headers.accept?.includes('text/csv')) {
        const layout = await csvLayout(pool, sweepId);
        const unknownJob: JobColumns = { method: '', code_version: null, backend: null };
        const header = `${[...LEADING_COLUMNS, ...layout.scores].join(',')}\n`;
        return sendCsv(reply, `sweep-${sweepId}-results.csv`, header, pool, sweepId, (r) => {
          const fields: Record<string, unknown> = { ...r, ...(layout.jobs.get(r.job_id) ?? unknownJob) };
          const scores = (r.scores ?? {}) as Record<string, unknown>;
          return `${[...LEADING_COLUMNS.map((c) => csvField(fields[c])), ...layout.scores.map((s) => csvField(scores[s]))].join(',')}\n`;
        });
      }
      const { rows } = await pool.query(SELECT, [sweepId, request.query.after, request.query.limit]);
      const next = rows.length === request.query.limit ? Number(rows[rows.length - 1].id) : null;
      if (reference) {
        const jobs = await referenceJobs(pool, sweepId, [...new Set(rows.map((r) => r.job_id as string))]);
        return { items: rows.map((r) => referenceRow(jobs.get(r.job_id)!, { dataset: r.dataset, split: r.split, scores: r.scores ?? {} })), next };
      }
      const items = rows.map((r) => ({
        id: String(r.id), jobId: r.job_id, gridIndex: r.grid_index, jobName: r.job_name, dataset: r.dataset, split: r.split,
        pointIndex: r.point_index, scores: r.scores ?? {},
      }));
      return { items, next };
    },
  );
};
