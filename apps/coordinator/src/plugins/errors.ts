import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { SubmissionIssue } from '../errors.js';

/** Fastify's own refusals of a request's framing say what, not where: the part of the request they concern. */
function whereFastifyLooked(code: string, request: FastifyRequest): string | undefined {
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return `header Content-Type ${JSON.stringify(request.headers['content-type'] ?? '')} is not one ${request.method} ${request.routeOptions.url ?? request.url} accepts`;
  if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return 'header Content-Length does not match the request body';
  if (code.startsWith('FST_ERR_CTP_') || code.startsWith('FST_REQ_') || code.startsWith('FST_PARTS_') || code.startsWith('FST_FILES_')) return 'request body';
  return undefined;
}

/**
 * One error shape for every route: `{code, message, errors?}`. Coded errors keep their status;
 * schema validation failures list each offending field; anything else is a 500 and is logged.
 */
export const errorsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: Error, request, reply) => {
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors: SubmissionIssue[] = error.validation.map((issue) => ({
          path: `${error.validationContext ?? 'request'}${issue.instancePath.replace(/\//g, '.')}`,
          message: issue.message ?? 'invalid',
        }));
        return reply.status(400).send({ code: 'DGM_REQUEST_INVALID', message: errors.map((e) => `${e.path}: ${e.message}`).join('; '), errors });
      }
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      const code = (error as { code?: string }).code;
      if (status >= 500 || !code) {
        request.log.error({ err: error }, 'request failed');
        // A driver's code (PostgreSQL's 22P05, ECONNRESET, …) says nothing useful to a client and something to an attacker.
        const shown = code?.startsWith('DGM_') || (code?.startsWith('FST_') && status < 500) ? code : 'DGM_INTERNAL';
        return reply.status(status >= 400 ? status : 500).send({ code: shown, message: status >= 500 ? 'internal error' : error.message });
      }
      const errors = (error as { errors?: SubmissionIssue[] }).errors;
      const where = code.startsWith('FST_') ? whereFastifyLooked(code, request) : undefined;
      return reply.status(status).send({ code, message: where ? `${where}: ${error.message}` : error.message, ...(errors ? { errors } : {}) });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ code: 'DGM_ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` }),
    );
  },
  { name: 'dgm-ood-errors' },
);
