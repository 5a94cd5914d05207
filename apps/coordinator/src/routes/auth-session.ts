/**
 * The dashboard's sign-in: POST /auth/session with `{token}` sets an HttpOnly, SameSite=Strict session cookie
 * (Secure over https), DELETE signs out, GET says whether auth is on and whether this browser is signed in.
 * EventSource sends the cookie same-origin, so live updates work signed in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AuthOffError, UnauthorizedError } from '../errors.js';
import { ErrorSchema } from '../schemas.js';
import { cookieValue, SESSION_COOKIE, type SessionStore } from '../auth/sessions.js';

export interface SessionRouteOptions {
  sessions: SessionStore;
  verifyToken(presented: string): string | undefined;
  authOn: boolean;
  identify(request: FastifyRequest): string | undefined;
}

const SessionState = z.object({ auth: z.boolean(), signedIn: z.boolean(), token: z.string().optional() });

/** Secure when the browser reached us over https (directly, or via a proxy that says so). */
function overHttps(request: FastifyRequest): boolean {
  return request.protocol === 'https' || String(request.headers['x-forwarded-proto'] ?? '').split(',')[0]!.trim() === 'https';
}

function setCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`, ...(overHttps(request) ? ['Secure'] : [])];
  reply.header('set-cookie', `${SESSION_COOKIE}=${value}; ${attributes.join('; ')}`);
  reply.header('cache-control', 'no-store');
}

export const sessionRoutes: FastifyPluginAsyncZod<SessionRouteOptions> = async (app, { sessions, verifyToken, authOn, identify }) => {
  app.get(
    '/auth/session',
    { schema: { summary: 'Whether API tokens are required, and whether this request is signed in (cookie or bearer)', response: { 200: SessionState } } },
    async (request) => {
      const name = authOn ? identify(request) : undefined;
      return { auth: authOn, signedIn: name !== undefined, ...(name !== undefined ? { token: name } : {}) };
    },
  );

  app.post(
    '/auth/session',
    {
      schema: {
        summary: 'Sign in with an API token: sets the HttpOnly, SameSite=Strict session cookie (12 h; sessions end when the coordinator restarts)',
        body: z.object({ token: z.string().min(1).max(4096) }),
        response: { 200: SessionState, 401: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (request, reply) => {
      if (!authOn) throw new AuthOffError();
      const name = verifyToken(request.body.token);
      if (name === undefined) {
        reply.header('www-authenticate', 'Bearer realm="dgm-ood"');
        throw new UnauthorizedError('the token is not valid');
      }
      sessions.delete(cookieValue(request.headers.cookie, SESSION_COOKIE));
      const session = sessions.create(name);
      setCookie(request, reply, session.id, session.maxAgeSeconds);
      request.log.info({ token: name, action: 'sign in' }, 'api action');
      return { auth: true, signedIn: true, token: name };
    },
  );

  app.delete(
    '/auth/session',
    { schema: { summary: 'Sign out: ends the session and clears its cookie' } },
    async (request, reply) => {
      sessions.delete(cookieValue(request.headers.cookie, SESSION_COOKIE));
      setCookie(request, reply, '', 0);
      return reply.status(204).send();
    },
  );
};
