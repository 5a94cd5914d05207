import fp from 'fastify-plugin';
import { createCoordinatorMetrics } from '../metrics/coordinator-metrics.js';
import { workerFreshMs } from '../resource-requirements.js';

/**
 * GET /metrics in the Prometheus text format (series: docs/metrics.md), and the latency of every request.
 * Register it before the routes so its hook times all of them.
 */
export const metricsPlugin = fp(
  async (app) => {
    const metrics = createCoordinatorMetrics({ pool: app.services.pool, queues: app.services.queues, logger: app.log, workerFreshMs: workerFreshMs(app.services.config.workerHeartbeatMs) });

    app.addHook('onResponse', async (request, reply) => {
      // The route's pattern, never the raw URL: ids in paths would make a series per job.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });

    app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
      await metrics.collect();
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  },
  { name: 'dgm-ood-metrics', dependencies: ['dgm-ood-services'] },
);
