/**
 * Which sweeps changed, as it happens: a dedicated PostgreSQL connection LISTENs on the channel the jobs and
 * sweeps tables notify (one notification per sweep per statement, from any worker or coordinator). Routes
 * subscribe per sweep (or to every sweep with '*'). If the connection drops, it reconnects with backoff and,
 * meanwhile, every subscriber is told its sweep may have changed every few seconds (polling), so a page never
 * goes stale silently.
 */
import fp from 'fastify-plugin';
import { createClient } from '@dgm-ood/db';

export const SWEEP_CHANGED_CHANNEL = 'dgm_ood_sweep_changed';
const POLL_WHILE_DISCONNECTED_MS = 3000;
const MAX_BACKOFF_MS = 30_000;

export type SweepChangeListener = (sweepId: string) => void;

export interface LiveUpdates {
  /** `sweepId` '*' hears every sweep. Returns the unsubscribe function. */
  subscribe(sweepId: string, listener: SweepChangeListener): () => void;
  /** Whether the LISTEN connection is up (false: subscribers are being polled). */
  readonly listening: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    liveUpdates: LiveUpdates;
  }
}

export const liveUpdatesPlugin = fp(
  async (app) => {
    const listeners = new Map<string, Set<SweepChangeListener>>();
    let client: ReturnType<typeof createClient> | undefined;
    let listening = false;
    let closed = false;
    let backoff = 500;
    let retry: NodeJS.Timeout | undefined;

    const notify = (sweepId: string) => {
      for (const key of [sweepId, '*']) for (const listener of listeners.get(key) ?? []) listener(sweepId);
    };

    async function connect(): Promise<void> {
      if (closed) return;
      const next = createClient(app.services.config.databaseUrl);
      next.on('notification', (message) => {
        if (message.channel === SWEEP_CHANGED_CHANNEL && message.payload) notify(message.payload);
      });
      // A server that goes away may end the connection with or without an error: either way, listen again.
      const lost = (error?: Error) => {
        if (closed || (client !== undefined && client !== next)) return;
        app.log.warn({ err: error }, 'live updates: the LISTEN connection was lost; polling until it is back');
        listening = false;
        client = undefined;
        void next.end().catch(() => {});
        scheduleReconnect();
      };
      next.on('error', lost);
      next.on('end', () => lost());
      try {
        await next.connect();
        await next.query(`LISTEN ${SWEEP_CHANGED_CHANNEL}`);
        if (closed) {
          await next.end();
          return;
        }
        client = next;
        listening = true;
        backoff = 500;
        // Anything missed while disconnected: every subscriber refreshes once.
        for (const key of listeners.keys()) if (key !== '*') notify(key);
      } catch (error) {
        app.log.warn({ err: error }, 'live updates: could not LISTEN; polling until it works');
        void next.end().catch(() => {});
        scheduleReconnect();
      }
    }

    function scheduleReconnect() {
      if (closed || retry) return;
      retry = setTimeout(() => {
        retry = undefined;
        void connect();
      }, backoff);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
    }

    const poll = setInterval(() => {
      if (listening) return;
      for (const key of listeners.keys()) if (key !== '*') notify(key);
      for (const listener of listeners.get('*') ?? []) listener('*');
    }, POLL_WHILE_DISCONNECTED_MS);
    poll.unref();

    await connect();

    app.decorate('liveUpdates', {
      subscribe(sweepId, listener) {
        const set = listeners.get(sweepId) ?? new Set();
        set.add(listener);
        listeners.set(sweepId, set);
        return () => {
          set.delete(listener);
          if (set.size === 0) listeners.delete(sweepId);
        };
      },
      get listening() {
        return listening;
      },
    } satisfies LiveUpdates);

    app.addHook('onClose', async () => {
      closed = true;
      clearInterval(poll);
      if (retry) clearTimeout(retry);
      await client?.end().catch(() => {});
    });
  },
  { name: 'dgm-ood-live-updates', dependencies: ['dgm-ood-services'] },
);
