import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';
import { parsePrometheusText, select, total } from './testing/prometheus-text.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('a worker with a metrics port serves its runs, step times, backend and identity at /metrics', async () => {
  const worker = await h.worker({ metricsPort: 0, workerId: 'metrics-worker' });
  expect(worker.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
  const scrape = async () => {
    const response = await fetch(worker.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };
  const before = await scrape();
  expect(total(before, 'dgm_ood_worker_jobs_total', { kind: 'train', outcome: 'succeeded' })).toBe(0);
  expect(select(before, 'dgm_ood_worker_backend_info')).toEqual([]);

  // `succeed` reports backend `fixture` and two fractions; `counter` reports steps 1, 2 and 3, 50 ms apart.
  const { jobIds } = await h.submit([{ fixture: 'succeed' }, { fixture: 'counter', steps: 3, stepMs: 50 }]);
  for (const id of jobIds) expect((await h.waitFor(id, isTerminal)).state).toBe('succeeded');

  const after = await scrape();
  expect(total(after, 'dgm_ood_worker_jobs_total', { kind: 'train', outcome: 'succeeded' })).toBe(2);
  expect(total(after, 'dgm_ood_worker_jobs_total', { outcome: 'failed' })).toBe(0);
  expect(total(after, 'dgm_ood_worker_jobs_running', { kind: 'train' })).toBe(0);
  expect(select(after, 'dgm_ood_worker_backend_info')).toMatchObject([{ labels: { backend: 'fixture' }, value: 1 }]);
  expect(select(after, 'dgm_ood_worker_info', { worker_id: 'metrics-worker' })).toMatchObject([{ value: 1 }]);
  // Two step deltas of `counter` (steps 1→2→3) and one fraction-to-fraction interval of `succeed`.
  expect(total(after, 'dgm_ood_worker_step_seconds_count', { kind: 'train' })).toBe(3);
  expect(total(after, 'dgm_ood_worker_step_seconds_sum', { kind: 'train' })).toBeGreaterThan(0.08);
  expect(select(after, 'dgm_ood_worker_process_cpu_seconds_total')).toHaveLength(1);
});
