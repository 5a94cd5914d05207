/**
 * Who may call the coordinator. For every request: the Host header must name this coordinator (DNS rebinding)
 * and an Origin header, when sent, must be this coordinator's (no cross-site forms, text/plain POSTs or event
 * streams; no CORS headers are ever sent). With API tokens configured, every route but GET /healthz, the
 * session routes, the dashboard's static files and (without DGM_OOD_METRICS_TOKEN) GET /metrics needs
 * `Authorization: Bearer <token>` or the dashboard's session cookie. State-changing requests are logged
 * with the token's name.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HostNotAllowedError, OriginForbiddenError, UnauthorizedError } from '../errors.js';
import { hostAllowed, sameOrigin } from '../auth/request-origin.js';
import { cookieValue, SESSION_COOKIE, SessionStore } from '../auth/sessions.js';
import { bearerToken, createTokenVerifier } from '../auth/token-verifier.js';
import { sessionRoutes } from '../routes/auth-session.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the API token the request came with (bearer or session); null when auth is off. */
    tokenName: string | null;
  }
}

/** Route patterns anyone may GET: health, and the dashboard's files (they hold no data) so sign-in can load. */
const PUBLIC_GETS = new Set(['/healthz', '/', '/index.html', '/app.js', '/app.js.map', '/styles.css']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const authPlugin = fp(
  async (app) => {
    const { apiTokens, metricsToken, allowedHosts } = app.services.config;
    const authOn = apiTokens.length > 0;
    const verifyToken = createTokenVerifier(apiTokens);
    const verifyMetricsToken = createTokenVerifier(metricsToken ? [{ name: 'metrics', secret: metricsToken }] : []);
    const sessions = new SessionStore();

    app.decorateRequest('tokenName', null);

    /** The name of the token the request carries (bearer first, then session cookie). */
    const identify = (request: FastifyRequest): string | undefined => {
      const bearer = bearerToken(request.headers.authorization);
      if (bearer !== undefined) return verifyToken(bearer);
      return sessions.tokenNameOf(cookieValue(request.headers.cookie, SESSION_COOKIE));
    };

    // Answered here rather than thrown: plugins with their own error handler (bull-board) keep the coded shape.
    const deny = (reply: FastifyReply, error: Error & { code: string; statusCode?: number }) =>
      reply.status(error.statusCode ?? 403).send({ code: error.code, message: error.message });
    const refuse = (reply: FastifyReply, message: string) =>
      deny(reply.header('www-authenticate', 'Bearer realm="dgm-ood"'), new UnauthorizedError(message));

    app.addHook('onRequest', async (request, reply) => {
      const host = request.headers.host;
      if (!hostAllowed(host, allowedHosts)) return deny(reply, new HostNotAllowedError(JSON.stringify(host ?? '')));
      const origin = request.headers.origin;
      if (origin !== undefined && !sameOrigin(origin, host)) return deny(reply, new OriginForbiddenError(JSON.stringify(origin)));

      const route = request.routeOptions.url;
      const safe = SAFE_METHODS.has(request.method);
      if (route === '/metrics' && safe && metricsToken) {
        const bearer = bearerToken(request.headers.authorization);
        if (bearer !== undefined && verifyMetricsToken(bearer)) return;
        const name = authOn ? identify(request) : undefined;
        if (name === undefined) return refuse(reply, 'GET /metrics needs Authorization: Bearer <DGM_OOD_METRICS_TOKEN>');
        request.tokenName = name;
        return;
      }
      if (!authOn || route === '/auth/session') return;
      if (safe && (PUBLIC_GETS.has(route ?? '') || route === '/metrics')) return;
      const name = identify(request);
      if (name === undefined) {
        return refuse(reply, request.headers.authorization ? 'the bearer token is not valid' : 'sign in: send Authorization: Bearer <DGM_OOD_API_TOKEN> (or sign in on the dashboard)');
      }
      request.tokenName = name;
    });

    // An audit line for everything that changes state (submit, cancel, retry, bull-board actions): by which token.
    app.addHook('onResponse', async (request, reply) => {
      if (SAFE_METHODS.has(request.method) || reply.statusCode >= 400) return;
      const params = (request.params ?? {}) as Record<string, unknown>;
      request.log.info(
        {
          token: request.tokenName,
          action: `${request.method} ${request.routeOptions.url ?? request.url}`,
          ...(typeof params.id === 'string' ? { [request.routeOptions.url?.startsWith('/jobs/') ? 'jobId' : 'sweepId']: params.id } : {}),
          status: reply.statusCode,
        },
        'api action',
      );
    });

    await app.register(sessionRoutes, { sessions, verifyToken, authOn, identify });
  },
  { name: 'dgm-ood-auth', dependencies: ['dgm-ood-services'] },
);
