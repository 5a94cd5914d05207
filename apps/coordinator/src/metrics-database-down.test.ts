import { afterAll, beforeAll, expect, test } from 'vitest';
import { createPool, type Pool } from '@dgm-ood/db';
import { parsePrometheusText, select, total } from '../../worker/src/testing/prometheus-text.js';
import { buildApp, type CoordinatorApp } from './app.js';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let app: CoordinatorApp;
// Nothing listens on port 1: every query fails at once, as with PostgreSQL down.
const unreachable = createPool('postgresql://root@127.0.0.1:1/none', { connectionTimeoutMillis: 1000 });
let databaseDown = false;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  // The app's pool: the harness's database, or the unreachable one while `databaseDown`.
  const pool = new Proxy(h.pool, {
    get(_target, property) {
      const current = databaseDown ? unreachable : h.pool;
      const value = Reflect.get(current, property);
      return typeof value === 'function' ? value.bind(current) : value;
    },
  }) as Pool;
  app = await buildApp({ services: { config: h.config, pool, prisma: h.prisma, redis: h.redis, queues: h.queues }, logger: false });
});
afterAll(async () => {
  await app?.close();
  await unreachable.end();
  await h?.close();
});

async function scrape() {
  const response = await app.inject({ url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return parsePrometheusText(response.body);
}

test('a scrape without the database answers 200 with process and queue series and a counted error, not stale job series', async () => {
  const up = await scrape();
  expect(select(up, 'dgm_ood_jobs', { state: 'queued', kind: 'train' })).toHaveLength(1);
  expect(total(up, 'dgm_ood_scrape_errors_total', { source: 'database' })).toBe(0);

  databaseDown = true;
  for (const errors of [1, 2]) {
    const down = await scrape();
    expect(total(down, 'dgm_ood_scrape_errors_total', { source: 'database' })).toBe(errors);
    expect(total(down, 'dgm_ood_scrape_errors_total', { source: 'redis' })).toBe(0);
    expect(select(down, 'dgm_ood_coordinator_nodejs_heap_size_used_bytes')).toHaveLength(1);
    expect(select(down, 'dgm_ood_queue_jobs', { queue: 'train', state: 'waiting' })).toHaveLength(1);
    expect(select(down, 'dgm_ood_jobs')).toEqual([]);
    expect(select(down, 'dgm_ood_sweeps')).toEqual([]);
  }

  databaseDown = false;
  const back = await scrape();
  expect(select(back, 'dgm_ood_jobs', { state: 'queued', kind: 'train' })).toHaveLength(1);
  expect(total(back, 'dgm_ood_scrape_errors_total', { source: 'database' })).toBe(2);
});
