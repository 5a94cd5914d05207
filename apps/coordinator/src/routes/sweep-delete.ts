import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams } from '../schemas.js';
import { SweepDeleteQuery, SweepDeletionSchema } from '../storage-schemas.js';

export const sweepDeleteRoute: FastifyPluginAsyncZod = async (app) => {
  app.delete(
    '/sweeps/:id',
    {
      schema: {
        summary:
          'Delete a sweep and everything it stored: jobs, results, evaluations, logs, metrics, artifacts (large objects in the same transaction, files after it) and its queue entries',
        params: IdParams,
        querystring: SweepDeleteQuery,
        response: { 200: SweepDeletionSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request) => {
      const result = await app.storage.deleteSweep(request.params.id, request.query, request.log.child({ token: request.tokenName }));
      if (!result) throw new SweepNotFoundError(request.params.id);
      return result;
    },
  );
};
