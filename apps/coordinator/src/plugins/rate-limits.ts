/**
 * Per-token rate limits (DGM_OOD_RATE_LIMIT_*; @fastify/rate-limit): requests are counted by the name of the API
 * token they came with (auth.ts), or by client IP without one (auth off, or signing in). POST /sweeps has its own,
 * stricter count (each may expand and store 100,000 jobs); /healthz and /metrics are never limited, so probes and
 * scrapers keep working whatever a client does. Over the limit: 429 DGM_RATE_LIMITED with Retry-After.
 * The counts live in Redis under the queue prefix, so every coordinator of a deployment (and a restarted one) shares
 * them. Their connection never queues or retries a command: while Redis is unreachable, requests are not limited
 * rather than kept waiting (logged once per outage).
 */
import rateLimit from '@fastify/rate-limit';
import { createRedis } from '@dgm-ood/queue';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { RateLimitedError } from '../errors.js';

const EXEMPT = new Set(['/healthz', '/metrics']);

const clientOf = (request: FastifyRequest) => (request.tokenName !== null ? `token '${request.tokenName}'` : `client ${request.ip}`);

export const rateLimitsPlugin = fp(
  async (app) => {
    const settings = app.services.config.rateLimit;
    if (settings === undefined) return;
    const seconds = settings.windowMs / 1000;
    const { redisUrl, queuePrefix } = app.services.config;
    const counts = createRedis(redisUrl, {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 1000, // reconnect once a second, whatever the outage's length
      connectionName: `dgm-ood-rate-limits:${queuePrefix}`, // CLIENT LIST tells a deployment's apart
    });
    let unreachable = false;
    counts.on('error', (error: Error) => {
      if (!unreachable) app.log.warn({ err: error.message }, 'rate limits: Redis unreachable; requests are not limited until it is back');
      unreachable = true;
    });
    counts.on('ready', () => {
      if (unreachable) app.log.info('rate limits: Redis reachable again; counting');
      unreachable = false;
    });
    app.addHook('onClose', async () => {
      counts.disconnect();
    });
    // Counting from the first request where Redis answers soon; a coordinator does not wait long for it at start.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      counts.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    // Before the plugin's own onRoute hook, which reads each route's config.rateLimit.
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat();
      if (EXEMPT.has(route.url)) route.config = { ...route.config, rateLimit: false };
      else if (route.url === '/sweeps' && methods.includes('POST')) {
        route.config = { ...route.config, rateLimit: { max: settings.submitMax, timeWindow: settings.windowMs } };
      }
    });
    await app.register(rateLimit, {
      global: true,
      max: settings.max,
      timeWindow: settings.windowMs,
      redis: counts,
      nameSpace: `${queuePrefix}:rate-limit:`,
      skipOnError: true,
      // A route's hooks run after the app's, so auth's onRequest hook has named the token by now.
      keyGenerator: (request) => (request.tokenName !== null ? `token:${request.tokenName}` : `ip:${request.ip}`),
      errorResponseBuilder: (request, context) =>
        new RateLimitedError(
          `${request.method} ${request.routeOptions.url ?? request.url}: ${clientOf(request)} made more than ${context.max} such requests in ${seconds} s; retry in ${Math.ceil(context.ttl / 1000)} s (Retry-After)`,
        ),
    });
  },
  { name: 'dgm-ood-rate-limits', dependencies: ['dgm-ood-services'] },
);
