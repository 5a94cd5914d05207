import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parsePrometheusText, select, total, type Sample } from '../../worker/src/testing/prometheus-text.js';
import { QUEUE_STATES } from './metrics/coordinator-metrics.js';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

async function scrape(): Promise<Sample[]> {
  const response = await h.app.inject({ url: '/metrics' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

/** How much series `name` (summed over the samples matching `labels`) grew from `from` to `to`. */
const grew = (from: Sample[], to: Sample[], name: string, labels: Record<string, string> = {}) => total(to, name, labels) - total(from, name, labels);

// Two jobs storing 2 and 3 per-point results.
const META = 'project: metrics\nbase_config: {fixture: succeed}\nsweep_configuration:\n  points: {sweep: true, values: [2, 3]}\n';

test('GET /metrics: the job, sweep, queue, duration, ingest and HTTP series move when a sweep runs', async () => {
  const before = await scrape();
  expect(select(before, 'dgm_ood_coordinator_process_cpu_seconds_total')).toHaveLength(1);
  const train = { kind: 'train' };

  const created = await h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: META });
  expect(created.statusCode).toBe(201);
  const queued = await scrape();
  expect(grew(before, queued, 'dgm_ood_jobs', { ...train, state: 'queued' })).toBe(2);
  expect(grew(before, queued, 'dgm_ood_sweeps', { ...train, status: 'pending' })).toBe(1);
  expect(total(queued, 'dgm_ood_queue_jobs', { queue: 'train', state: 'waiting' })).toBe(2);

  const worker = await startFixtureWorker(h);
  try {
    await waitForSweep(h, created.json().id, (s) => s.status === 'succeeded');
  } finally {
    await worker.close();
  }
  // Ingested rows count once every transaction that ran at a sample of the id sequence has ended (other
  // databases' on this server included): allow a few scrapes.
  let after = await scrape();
  for (let tries = 0; tries < 100 && grew(before, after, 'dgm_ood_results_ingested_total') < 5; tries++) {
    await sleep(100);
    after = await scrape();
  }
  expect(grew(before, after, 'dgm_ood_results_ingested_total')).toBe(5);

  expect(grew(before, after, 'dgm_ood_jobs', { ...train, state: 'succeeded' })).toBe(2);
  expect(grew(before, after, 'dgm_ood_jobs', { ...train, state: 'queued' })).toBe(0);
  expect(grew(before, after, 'dgm_ood_sweeps', { ...train, status: 'succeeded' })).toBe(1);
  // Every queue × state is reported; the finished jobs left the waiting list for the completed one.
  for (const queue of ['train', 'ood']) {
    expect(select(after, 'dgm_ood_queue_jobs', { queue }).map((s) => s.labels.state).sort()).toEqual([...QUEUE_STATES].sort());
  }
  expect(total(after, 'dgm_ood_queue_jobs', { queue: 'train', state: 'waiting' })).toBe(0);
  expect(total(after, 'dgm_ood_queue_jobs', { queue: 'train', state: 'completed' })).toBe(2);
  // Each finish is observed once, however many scrapes ran meanwhile.
  const succeeded = { ...train, outcome: 'succeeded' };
  expect(grew(before, after, 'dgm_ood_job_duration_seconds_count', succeeded)).toBe(2);
  expect(total(after, 'dgm_ood_job_duration_seconds_bucket', { ...succeeded, le: '+Inf' })).toBe(2);
  expect(grew(before, after, 'dgm_ood_job_duration_seconds_sum', succeeded)).toBeGreaterThan(0);

  // Latency by route pattern, not by URL (waitForSweep polled GET /sweeps/<id>); unknown URLs share one series.
  expect(total(after, 'dgm_ood_http_request_duration_seconds_count', { method: 'GET', route: '/sweeps/:id', status_code: '200' })).toBeGreaterThan(0);
  expect(total(after, 'dgm_ood_http_request_duration_seconds_count', { method: 'POST', route: '/sweeps', status_code: '201' })).toBe(1);
  expect(select(after, 'dgm_ood_http_request_duration_seconds_count').filter((s) => s.labels.route?.includes(created.json().id))).toEqual([]);
  await h.app.inject({ url: '/no/such/route' });
  const last = await scrape();
  expect(total(last, 'dgm_ood_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBe(1);
  expect(grew(after, last, 'dgm_ood_job_duration_seconds_count')).toBe(0);
  expect(grew(after, last, 'dgm_ood_results_ingested_total')).toBe(0);
  expect(total(last, 'dgm_ood_scrape_errors_total')).toBe(0);

  // The endpoint is for Prometheus, not part of the REST API's OpenAPI document.
  const openapi = (await h.app.inject({ url: '/docs/json' })).json() as { paths: Record<string, unknown> };
  expect(Object.keys(openapi.paths)).not.toContain('/metrics');
});
