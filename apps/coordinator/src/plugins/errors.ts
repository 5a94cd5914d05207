import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { SubmissionIssue } from '../errors.js';

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
      return reply.status(status).send({ code, message: error.message, ...(errors ? { errors } : {}) });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ code: 'DGM_ROUTE_NOT_FOUND', message: `no route ${request.method} ${request.url}` }),
    );
  },
  { name: 'dgm-ood-errors' },
);
