import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobInfo, ProgressReport } from '@dgm-ood/jobs';
import { QUEUE_NAMES } from '@dgm-ood/queue';
import type { JobObserver, RunOutcome } from './job-observer.js';

const OUTCOMES: readonly RunOutcome[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

/** From a millisecond (a tiny step) to ten minutes (a slow phase between reports). */
const STEP_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600];

interface RunTiming {
  /** The last reported step and when it came (reports that carry `step`, e.g. training). */
  step?: { value: number; at: number };
  /** When the last report with a `fraction` came (reports without steps, e.g. OOD scoring per point). */
  fractionAt?: number;
}

export interface WorkerMetrics {
  registry: Registry;
  observer: JobObserver;
}

/** The worker's series (docs/metrics.md) in a registry of its own, fed by the observer the worker calls. */
export function createWorkerMetrics(workerId: string): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dgm_ood_worker_' });
  const info = new Gauge({ name: 'dgm_ood_worker_info', help: 'This worker (always 1)', labelNames: ['worker_id', 'host'], registers: [registry] });
  const running = new Gauge({ name: 'dgm_ood_worker_jobs_running', help: 'Handler runs in progress, by kind', labelNames: ['kind'], registers: [registry] });
  const total = new Counter({
    name: 'dgm_ood_worker_jobs_total',
    help: 'Handler runs (attempts) that ended on this worker, by kind and outcome',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const stepSeconds = new Histogram({
    name: 'dgm_ood_worker_step_seconds',
    help: 'Time per step between progress reports (per reported step when reports carry one, else between reports with a fraction)',
    labelNames: ['kind'],
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const backend = new Gauge({ name: 'dgm_ood_worker_backend_info', help: 'The execution backend a handler reported last (1)', labelNames: ['backend'], registers: [registry] });

  info.labels(workerId, hostname()).set(1);
  // Every kind × outcome exists from the start, so rate() and increase() see the first run.
  for (const kind of QUEUE_NAMES) {
    running.labels(kind).set(0);
    for (const outcome of OUTCOMES) total.labels(kind, outcome).inc(0);
  }

  const timings = new Map<string, RunTiming>();
  const key = (job: JobInfo) => `${job.id}#${job.attempt}`;

  const observer: JobObserver = {
    onJobStart(job) {
      timings.set(key(job), {});
      running.labels(job.kind).inc();
    },
    onProgress(job, report: ProgressReport) {
      if (typeof report.backend === 'string') {
        backend.reset();
        backend.labels(report.backend).set(1);
      }
      const timing = timings.get(key(job));
      if (!timing) return;
      const now = performance.now();
      if (typeof report.step === 'number' && Number.isFinite(report.step)) {
        const last = timing.step;
        // A step that did not advance (a resumed run restarting lower) only resets the baseline.
        if (last && report.step > last.value) stepSeconds.labels(job.kind).observe((now - last.at) / 1000 / (report.step - last.value));
        timing.step = { value: report.step, at: now };
      } else if (!timing.step && typeof report.fraction === 'number') {
        if (timing.fractionAt !== undefined) stepSeconds.labels(job.kind).observe((now - timing.fractionAt) / 1000);
        timing.fractionAt = now;
      }
    },
    onJobEnd(job, outcome) {
      timings.delete(key(job));
      running.labels(job.kind).dec();
      total.labels(job.kind, outcome).inc();
    },
  };
  return { registry, observer };
}

export interface WorkerMetricsServer extends WorkerMetrics {
  /** Where Prometheus scrapes, e.g. http://127.0.0.1:9464/metrics (the bound port when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/** Serves GET /metrics on `host:port` (port 0: any free port) with node:http: a worker needs nothing more. */
export async function startWorkerMetricsServer(options: { port: number; host: string; workerId: string }): Promise<WorkerMetricsServer> {
  const metrics = createWorkerMetrics(options.workerId);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://worker').pathname;
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at GET /metrics\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(request.method === 'HEAD' ? undefined : text),
      (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject); // e.g. EADDRINUSE: the worker does not start
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    ...metrics,
    url: `http://${host}:${port}/metrics`,
    async close() {
      // Prometheus keeps its connection alive: end it, or close() would wait for it.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
