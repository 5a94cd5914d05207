import fp from 'fastify-plugin';
import type { AppConfig } from '@dgm-ood/config';
import type { Pool, PrismaClient } from '@dgm-ood/db';
import type { Queues, Redis } from '@dgm-ood/queue';

export interface Services {
  config: AppConfig;
  pool: Pool;
  prisma: PrismaClient;
  redis: Redis;
  queues: Queues;
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
