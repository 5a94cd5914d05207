import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '@dgm-ood/config';
import type { Pool } from '@dgm-ood/db';
import { findUnservableJobs, liveWorkers } from '@dgm-ood/jobs';
import { classesWithQueues, queueFor, QUEUE_NAMES, type Queues } from '@dgm-ood/queue';
import { FinishedJobsFeed } from './finished-jobs.js';
import { IngestedResultsCounter } from './ingested-results.js';

/** BullMQ's job states, each a cheap Redis count. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed', 'completed'] as const;

/** From a second to a week: a job may be a no-op or days of training. */
export const JOB_DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800];

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface CoordinatorMetricsSources {
  pool: Pool;
  queues: Queues;
  logger?: Pick<Logger, 'warn'>;
  /** Workers seen within this many ms are live (for the worker and unservable-job series); default 45 s. */
  workerFreshMs?: number;
}

export interface CoordinatorMetrics {
  registry: Registry;
  /** One answered request (`route` is the route's pattern, or `unmatched`). */
  observeRequest(method: string, route: string, statusCode: number, seconds: number): void;
  /** Brings the database- and queue-derived series up to date; never throws (failures count as scrape errors). */
  collect(): Promise<void>;
}

/**
 * The coordinator's Prometheus series, in a registry of their own (several apps in one process do not
 * clash). Job, sweep and queue series are read at scrape time; durations and ingested results advance by
 * watermarks, so a scrape costs what changed since the previous one plus two GROUP BYs.
 */
export function createCoordinatorMetrics(sources: CoordinatorMetricsSources): CoordinatorMetrics {
  const { pool, queues, logger } = sources;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dgm_ood_coordinator_' });

  const jobs = new Gauge({ name: 'dgm_ood_jobs', help: 'Jobs by state and kind (PostgreSQL)', labelNames: ['state', 'kind'], registers: [registry] });
  const sweeps = new Gauge({ name: 'dgm_ood_sweeps', help: 'Sweeps by status and kind (PostgreSQL)', labelNames: ['status', 'kind'], registers: [registry] });
  const unservable = new Gauge({
    name: 'dgm_ood_unservable_jobs',
    help: 'Queued jobs whose resources no live worker meets, by kind and requirement class (PostgreSQL; they stay queued)',
    labelNames: ['kind', 'requirement_class'],
    registers: [registry],
  });
  const workers = new Gauge({ name: 'dgm_ood_live_workers', help: 'Workers with a fresh heartbeat, by device class (PostgreSQL)', labelNames: ['device'], registers: [registry] });
  const queueJobs = new Gauge({ name: 'dgm_ood_queue_jobs', help: 'BullMQ jobs by queue and state (Redis)', labelNames: ['queue', 'state'], registers: [registry] });
  const durations = new Histogram({
    name: 'dgm_ood_job_duration_seconds',
    help: 'Time from a job\'s first start to its finish, observed once per finish, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    buckets: JOB_DURATION_BUCKETS,
    registers: [registry],
  });
  const ingested = new Counter({ name: 'dgm_ood_results_ingested_total', help: 'Per-point result rows ingested', registers: [registry] });
  const scrapeErrors = new Counter({
    name: 'dgm_ood_scrape_errors_total',
    help: 'Scrapes that could not read a source (database or redis); that source\'s series are left out',
    labelNames: ['source'],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'dgm_ood_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  // Both sources' error series exist from the start, so alerts on increase() see the first error.
  scrapeErrors.labels('database').inc(0);
  scrapeErrors.labels('redis').inc(0);

  const finished = new FinishedJobsFeed(pool);
  const results = new IngestedResultsCounter(pool);

  async function collectDatabase(): Promise<void> {
    // Every state × kind pair, zeros included: a series that vanishes cannot be told from a failed scrape.
    const { rows: jobRows } = await pool.query<{ state: string; kind: string; n: number }>(
      `WITH counts AS (SELECT s.kind, j.state, count(*) AS n FROM jobs j JOIN sweeps s ON s.id = j.sweep_id GROUP BY 1, 2)
       SELECT st::text AS state, k::text AS kind, coalesce(c.n, 0)::float8 AS n
       FROM unnest(enum_range(NULL::job_state)) st CROSS JOIN unnest(enum_range(NULL::sweep_kind)) k
       LEFT JOIN counts c ON c.state = st AND c.kind = k`,
    );
    const { rows: sweepRows } = await pool.query<{ status: string; kind: string; n: number }>(
      `WITH counts AS (SELECT status, kind, count(*) AS n FROM sweeps GROUP BY 1, 2)
       SELECT st::text AS status, k::text AS kind, coalesce(c.n, 0)::float8 AS n
       FROM unnest(enum_range(NULL::sweep_status)) st CROSS JOIN unnest(enum_range(NULL::sweep_kind)) k
       LEFT JOIN counts c ON c.status = st AND c.kind = k`,
    );
    const freshMs = sources.workerFreshMs ?? 45_000;
    const [unservableRows, live] = await Promise.all([findUnservableJobs(pool, 'everywhere', freshMs), liveWorkers(pool, freshMs)]);
    jobs.reset();
    for (const row of jobRows) jobs.labels(row.state, row.kind).set(row.n);
    unservable.reset();
    for (const row of unservableRows) unservable.labels(row.kind, row.requirementClass).set(row.queued);
    workers.reset();
    for (const device of ['gpu', 'cpu']) workers.labels(device).set(live.filter((w) => w.device === device).length);
    sweeps.reset();
    for (const row of sweepRows) sweeps.labels(row.status, row.kind).set(row.n);
    // Each watermark's yield is recorded as soon as it is read: a later failure must not lose it.
    for (const job of await finished.poll()) durations.labels(job.kind, job.outcome).observe(job.seconds);
    ingested.inc(await results.poll());
  }

  async function collectQueues(): Promise<void> {
    // The kinds' default queues and their requirement-class queues.
    const all = [...Object.values(queues)];
    for (const kind of QUEUE_NAMES) for (const requirementClass of await classesWithQueues(queues, kind)) all.push(queueFor(queues, kind, requirementClass));
    const counts = await Promise.all(all.map(async (queue) => [queue.name, await queue.getJobCounts(...QUEUE_STATES)] as const));
    queueJobs.reset();
    for (const [name, byState] of counts) {
      for (const state of QUEUE_STATES) queueJobs.labels(name, state).set(byState[state] ?? 0);
    }
  }

  /** A source that fails leaves its gauges out (not stale values) and counts an error; the scrape goes on. */
  async function guarded(source: 'database' | 'redis', collect: () => Promise<void>, gauges: Gauge[]): Promise<void> {
    try {
      await collect();
    } catch (error) {
      for (const gauge of gauges) gauge.reset();
      scrapeErrors.labels(source).inc();
      logger?.warn({ err: error, source }, 'metrics: could not read a source');
    }
  }

  // Watermarks must not advance twice at once: concurrent scrapes share one collection.
  let inFlight: Promise<void> | undefined;
  return {
    registry,
    observeRequest(method, route, statusCode, seconds) {
      http.labels(method, route, String(statusCode)).observe(seconds);
    },
    collect() {
      inFlight ??= (async () => {
        try {
          await Promise.all([guarded('database', collectDatabase, [jobs, sweeps, unservable, workers]), guarded('redis', collectQueues, [queueJobs])]);
        } finally {
          inFlight = undefined;
        }
      })();
      return inFlight;
    },
  };
}
