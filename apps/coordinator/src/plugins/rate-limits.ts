/**
 * Per-token rate limits (DGM_OOD_RATE_LIMIT_*; @fastify/rate-limit, counted in this process): requests are counted
 * by the name of the API token they came with (auth.ts), or by client IP without one (auth off, or signing in). POST /sweeps has its own,
 * stricter count (each may expand and store 100,000 jobs); /healthz and /metrics are never limited, so probes and
 * scrapers keep working whatever a client does. Over the limit: 429 DGM_RATE_LIMITED with Retry-After.
 */
import rateLimit from '@fastify/rate-limit';
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
