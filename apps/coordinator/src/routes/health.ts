import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const HealthSchema = z.object({ status: z.enum(['ok', 'degraded']), database: z.string(), redis: z.string() });

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { pool, redis } = app.services;
  app.get(
    '/healthz',
    { schema: { summary: 'Whether PostgreSQL and Redis answer', response: { 200: HealthSchema, 503: HealthSchema } } },
    async (_request, reply) => {
      const probe = async (fn: () => Promise<unknown>) => {
        try {
          await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2 s')), 2000))]);
          return 'ok';
        } catch (error) {
          return (error as Error).message || 'unreachable';
        }
      };
      const [database, cache] = await Promise.all([probe(() => pool.query('SELECT 1')), probe(() => redis.ping())]);
      const ok = database === 'ok' && cache === 'ok';
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', database, redis: cache });
    },
  );
};
