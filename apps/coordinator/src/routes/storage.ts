import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createError } from '@dgm-ood/config';
import { ErrorSchema } from '../schemas.js';
import { GarbageBody, GarbageSchema, RetentionBody, RetentionSchema } from '../storage-schemas.js';

export const RetentionDaysMissingError = createError(
  'DGM_RETENTION_DAYS_MISSING',
  'say how old a finished sweep must be to go: {"days": N}, or set DGM_OOD_RETENTION_DAYS',
  400,
);

export const storageRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/storage/retention',
    {
      schema: {
        summary: 'Delete the sweeps finished more than `days` days ago now (default DGM_OOD_RETENTION_DAYS), except those a newer sweep depends on',
        body: RetentionBody,
        response: { 200: RetentionSchema, 400: ErrorSchema },
      },
    },
    async (request) => {
      const days = request.body.days ?? app.services.config.retentionDays;
      if (days === undefined) throw new RetentionDaysMissingError();
      return app.storage.retention(days, { dryRun: request.body.dryRun }, request.log.child({ token: request.tokenName }));
    },
  );

  app.post(
    '/storage/gc',
    {
      schema: {
        summary:
          'Remove orphaned artifacts: large objects no artifact names, working directories under MODEL_DIR no job uses, queue entries of deleted jobs; what changed within graceMinutes stays',
        body: GarbageBody,
        response: { 200: GarbageSchema, 400: ErrorSchema },
      },
    },
    async (request) => app.storage.collectGarbage(request.body, request.log.child({ token: request.tokenName })),
  );
};
