import fp from 'fastify-plugin';
import type { AppConfig } from '@dgm-ood/config';
import type { Pool, PrismaClient } from '@dgm-ood/db';
import type { Queues, Redis } from '@dgm-ood/queue';
import type { checkJobConfig } from '@dgm-ood/catalog';

/** Checks one job's config before a sweep is stored (the catalog's checker unless a deployment or test swaps it). */
export type JobChecker = typeof checkJobConfig;

export interface Services {
  config: AppConfig;
  pool: Pool;
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
  /** Default: the catalog's `checkJobConfig` (the families and methods this deployment registered). */
  checkJob?: JobChecker;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
  }
}

/** Makes the database, Redis and queues available to every route plugin. */
export const servicesPlugin = fp<{ services: Services }>(
  async (app, { services }) => {
    app.decorate('services', services);
  },
  { name: 'dgm-ood-services' },
);
