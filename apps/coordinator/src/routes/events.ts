/**
 * Server-sent events for the dashboard (and anyone else): a sweep's counts and its changed jobs as workers
 * report progress, and which sweeps changed for the sweeps list. Fed by the database's change notifications
 * (plugins/live-updates.ts), coalesced so a busy sweep costs at most a couple of queries per second.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { SweepNotFoundError } from '../errors.js';
import { ErrorSchema, IdParams } from '../schemas.js';
import { withUnservable } from '../resource-requirements.js';
import { jobSummary, sweepDetail } from '../views/sweep-views.js';

/** At most one push per stream per interval: progress arrives every 0.5 s per running job. */
const COALESCE_MS = 400;
const HEARTBEAT_MS = 15_000;
/** More changed jobs than this in one push: the client is told to reload its page instead. */
const MAX_JOBS_PER_EVENT = 500;

interface EventStream {
  send(event: string, data: unknown): void;
  close(): void;
}

const open = new Set<EventStream>();

function openStream(request: FastifyRequest, reply: FastifyReply, onClose: () => void): EventStream {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // proxies (nginx) must not buffer the stream
  });
  reply.raw.write('retry: 3000\n\n');
  const heartbeat = setInterval(() => reply.raw.write(': ping\n\n'), HEARTBEAT_MS);
  let closed = false;
  const stream: EventStream = {
    send(event, data) {
      if (!closed) reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      open.delete(stream);
      onClose();
      reply.raw.end();
    },
  };
  open.add(stream);
  request.raw.on('close', () => stream.close());
  return stream;
}

/** Runs `flush` at most once per COALESCE_MS however often `poke` is called; never two at once. */
function coalesced(flush: () => Promise<void>, onError: (error: unknown) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const run = async () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await flush();
    } catch (error) {
      onError(error);
    } finally {
      running = false;
      if (again) {
        again = false;
        timer ??= setTimeout(run, COALESCE_MS);
      }
    }
  };
  return () => {
    timer ??= setTimeout(run, COALESCE_MS);
  };
}

export const eventRoutes: FastifyPluginAsyncZod = async (app) => {
  const { prisma, pool } = app.services;

  // Open streams would keep the server from closing.
  app.addHook('preClose', async () => {
    for (const stream of [...open]) stream.close();
  });

  app.get(
    '/sweeps/:id/events',
    {
      schema: {
        summary:
          "Server-sent events of one sweep: `sweep` (its detail: counts, progress, timings) and `jobs` ({items: changed jobs, reload: true when too many changed to list}) whenever its jobs change; `deleted` ({id}) once it is deleted, and the stream ends",
        params: IdParams,
        produces: ['text/event-stream'],
        response: { 404: ErrorSchema },
      },
    },
    async (request, reply) => {
      const id = request.params.id;
      const first = await sweepDetail(prisma, pool, id);
      if (!first) throw new SweepNotFoundError(id);
      // Jobs changed since the last push; a second of overlap because updated_at is the writer's clock.
      let since = new Date(Date.now() - 1000);
      const flush = async () => {
        const [detail, { rows }] = await Promise.all([
          sweepDetail(prisma, pool, id),
          pool.query(
            `SELECT id, grid_index, name, state, attempts, progress, error, point, backend, started_at, finished_at, updated_at
             FROM jobs WHERE sweep_id = $1 AND updated_at >= $2 ORDER BY updated_at LIMIT $3`,
            [id, new Date(since.getTime() - 1000), MAX_JOBS_PER_EVENT + 1],
          ),
        ]);
        if (!detail) {
          // Deleted (DELETE /sweeps/:id notifies): the page can say so instead of showing stale numbers.
          stream.send('deleted', { id });
          stream.close();
          return;
        }
        stream.send('sweep', await withUnservable(pool, id, detail, app.services.config.workerHeartbeatMs));
        const changed = rows.slice(0, MAX_JOBS_PER_EVENT);
        if (changed.length > 0) since = new Date(Math.max(since.getTime(), ...changed.map((r) => (r.updated_at as Date).getTime())));
        if (rows.length > MAX_JOBS_PER_EVENT) stream.send('jobs', { items: [], reload: true });
        else if (changed.length > 0) {
          stream.send('jobs', {
            items: changed.map((r) =>
              jobSummary({
                id: r.id, gridIndex: r.grid_index, name: r.name, state: r.state, attempts: r.attempts, progress: r.progress, error: r.error,
                point: r.point, backend: r.backend, startedAt: r.started_at, finishedAt: r.finished_at,
              }),
            ),
            reload: false,
          });
        }
      };
      const poke = coalesced(flush, (error) => request.log.warn({ err: error, sweepId: id }, 'live updates: could not read the sweep'));
      const unsubscribe = app.liveUpdates.subscribe(id, poke);
      const stream = openStream(request, reply, unsubscribe);
      stream.send('sweep', await withUnservable(pool, id, first, app.services.config.workerHeartbeatMs));
    },
  );

  app.get(
    '/events',
    {
      schema: {
        summary: 'Server-sent events of every sweep: `sweeps` ({ids}) when sweeps are created or their jobs change',
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const pending = new Set<string>();
      const poke = coalesced(
        async () => {
          const ids = [...pending];
          pending.clear();
          if (ids.length > 0) stream.send('sweeps', { ids: ids.filter((i) => i !== '*'), all: ids.includes('*') });
        },
        () => {},
      );
      const unsubscribe = app.liveUpdates.subscribe('*', (sweepId) => {
        pending.add(sweepId);
        poke();
      });
      const stream = openStream(request, reply, unsubscribe);
      stream.send('hello', { listening: app.liveUpdates.listening });
    },
  );
};
