import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import { DOCUMENT_PATH } from '@dgm-ood/metaconfig';
import { SubmissionRejected, SweepInvalidError, SweepTooLargeError } from '../errors.js';
import { decodeUtf8 } from '../strict-utf8.js';
import { ErrorSchema, KindSchema } from '../schemas.js';
import { submitSweep, type SubmissionInput } from '../submit.js';

const SubmitQuery = z.object({
  kind: KindSchema.optional(),
  name: z.string().min(1).max(200).optional(),
  format: z.enum(['yaml', 'json']).optional(),
  maxAttempts: z.coerce.number().int().min(1).max(100).optional(),
  backoffMs: z.coerce.number().int().min(0).max(3_600_000).optional(),
  /** Validate every job and count them; nothing is stored or enqueued. */
  dryRun: z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1'),
});

const Envelope = z.object({
  source: z.string().min(1),
  format: z.enum(['yaml', 'json']).optional(),
  kind: KindSchema.optional(),
  name: z.string().min(1).max(200).optional(),
  file: z.string().optional(),
  maxAttempts: z.number().int().min(1).max(100).optional(),
  backoffMs: z.number().int().min(0).max(3_600_000).optional(),
});

const SubmissionResultSchema = z.object({
  id: z.string().nullable(),
  name: z.string(),
  kind: KindSchema,
  jobCount: z.number(),
  queued: z.number(),
  waiting: z.number(),
  failed: z.number(),
  dryRun: z.boolean().optional(),
  replayed: z.boolean().optional().describe('an earlier POST with the same Idempotency-Key created this sweep; nothing new was stored'),
  warnings: z.array(z.string()).optional(),
});

/** A body's text; one that is not UTF-8 is refused at its first bad byte (not decoded to U+FFFD and stored so). */
function bodyText(bytes: Buffer, where: string): string {
  const decoded = decodeUtf8(bytes);
  if ('text' in decoded) return decoded.text;
  const message = `line ${decoded.line}: byte ${decoded.offset} is not valid UTF-8 (send the file as UTF-8)`;
  throw new SubmissionRejected(`${where}: ${message}`, [{ code: 'DGM_BODY_NOT_UTF8', path: DOCUMENT_PATH, line: decoded.line, file: where, message }]);
}

const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

/** Idempotency-Key: printable ASCII, as long as a UUID or a client's own scheme needs. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

interface RawJson {
  raw: string;
  value: unknown;
}

/**
 * POST /sweeps. The meta-configuration comes as a YAML body (application/yaml, text/yaml, text/plain),
 * a JSON body (the meta-config itself, or an envelope {source, format?, kind?, name?}), or a multipart
 * upload (field `file`, optional fields kind/name). Options may also be query parameters.
 */
export const submitSweepRoute: FastifyPluginAsyncZod = async (app) => {
  await app.register(multipart, { limits: { fileSize: MAX_SOURCE_BYTES, files: 1 } });
  // Bodies are read as bytes and decoded strictly (this plugin's own parsers, text/plain's included).
  app.removeContentTypeParser('text/plain');
  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAX_SOURCE_BYTES }, (_req, body, done) => {
      try {
        done(null, bodyText(body as Buffer, 'request body'));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
  }
  // Keep the raw JSON text: integral floats (1.0) must survive until expansion.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_SOURCE_BYTES }, (_req, body, done) => {
    let raw: string;
    try {
      raw = bodyText(body as Buffer, 'request body');
    } catch (error) {
      done(error as Error, undefined);
      return;
    }
    try {
      done(null, { raw, value: JSON.parse(raw) } satisfies RawJson);
    } catch (error) {
      done(new SweepInvalidError(`request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.post(
    '/sweeps',
    {
      schema: {
        summary:
          'Submit a meta-configuration (dysweep language); it is expanded, every job is checked by the plan readers the workers use, then stored and enqueued (dryRun=true: checked and counted only)',
        querystring: SubmitQuery,
        consumes: ['application/yaml', 'text/yaml', 'text/plain', 'application/json', 'multipart/form-data'],
        response: { 200: SubmissionResultSchema, 201: SubmissionResultSchema, 400: ErrorSchema, 413: ErrorSchema, 422: ErrorSchema },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const header = request.headers['idempotency-key'];
      const idempotencyKey = Array.isArray(header) ? header[0] : header;
      if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new SweepInvalidError('header Idempotency-Key must be 1 to 200 printable ASCII characters (e.g. a UUID)');
      }
      let input: SubmissionInput;
      if (request.isMultipart()) {
        const part = await request.file();
        if (!part) throw new SweepInvalidError('multipart request has no file field');
        const field = (name: string) => {
          const f = part.fields[name];
          return f && !Array.isArray(f) && f.type === 'field' ? String(f.value) : undefined;
        };
        const kind = field('kind');
        if (kind !== undefined && kind !== 'train' && kind !== 'ood') throw new SweepInvalidError(`field kind must be train or ood (got ${JSON.stringify(kind)})`);
        let bytes: Buffer;
        try {
          bytes = await part.toBuffer();
        } catch (error) {
          if ((error as { code?: string }).code !== 'FST_REQ_FILE_TOO_LARGE') throw error;
          throw new SweepTooLargeError(`multipart field file (${JSON.stringify(part.filename)}) is larger than ${MAX_SOURCE_BYTES} bytes`);
        }
        const source = bodyText(bytes, part.filename);
        input = {
          source,
          format: query.format ?? (/\.json$/i.test(part.filename) ? 'json' : 'yaml'),
          file: part.filename,
          ...(kind ? { kind } : {}),
          ...(field('name') ? { name: field('name')! } : {}),
        };
      } else if (typeof request.body === 'string') {
        input = { source: request.body, format: query.format ?? 'yaml' };
      } else if (request.body && typeof request.body === 'object' && 'raw' in request.body) {
        const { raw, value } = request.body as RawJson;
        const envelope = Envelope.safeParse(value);
        if (value && typeof value === 'object' && 'source' in value) {
          if (!envelope.success) {
            throw new SweepInvalidError(`envelope: ${envelope.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`);
          }
          const e = envelope.data;
          input = {
            source: e.source, format: e.format ?? 'yaml',
            ...(e.kind ? { kind: e.kind } : {}), ...(e.name ? { name: e.name } : {}), ...(e.file ? { file: e.file } : {}),
            ...(e.maxAttempts ? { maxAttempts: e.maxAttempts } : {}), ...(e.backoffMs !== undefined ? { backoffMs: e.backoffMs } : {}),
          };
        } else {
          input = { source: raw, format: 'json' };
        }
      } else {
        throw new SweepInvalidError('send the meta-configuration as YAML, JSON or a multipart file upload');
      }
      const result = await submitSweep({ ...app.services, expand: (request) => app.submissionExpander.expand(request) }, {
        ...input,
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.name ? { name: query.name } : {}),
        ...(query.maxAttempts ? { maxAttempts: query.maxAttempts } : {}),
        ...(query.backoffMs !== undefined ? { backoffMs: query.backoffMs } : {}),
        ...(query.dryRun ? { dryRun: true } : {}),
        ...(request.tokenName ? { submittedBy: request.tokenName } : {}),
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      if (result.replayed) reply.header('idempotent-replayed', 'true');
      return reply.status(result.dryRun || result.replayed ? 200 : 201).send(result);
    },
  );
};
