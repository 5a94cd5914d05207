import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let stopWorker: () => Promise<void>;
let sweepId: string;
beforeAll(async () => {
  h = await createCoordinatorHarness();
  stopWorker = (await startFixtureWorker(h)).close;
  const meta = 'project: f\nbase_config: {fixture: succeed, points: 3, base_model: {}}\nsweep_configuration:\n  points: {sweep: true, values: [3, 4]}\n';
  sweepId = (await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta })).json().id;
  await waitForSweep(h, sweepId, (s) => s.status === 'succeeded');
});
afterAll(async () => {
  await stopWorker?.();
  await h?.close();
});

test('results come as JSON pages and as CSV with every per-point score', async () => {
  const page1 = (await h.app.inject({ url: `/sweeps/${sweepId}/results?limit=4` })).json();
  expect(page1.items).toHaveLength(4);
  expect(page1.next).not.toBeNull();
  const page2 = (await h.app.inject({ url: `/sweeps/${sweepId}/results?limit=4&after=${page1.next}` })).json();
  expect(page2.items).toHaveLength(3);
  expect(page2.next).toBeNull();
  expect(page1.items[1]).toMatchObject({ dataset: 'fixture', split: 'test', pointIndex: 1, scores: { log_likelihood: -1, lid: 1 } });

  const csv = await h.app.inject({ url: `/sweeps/${sweepId}/results`, headers: { accept: 'text/csv' } });
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  const lines = csv.body.trim().split('\n');
  expect(lines[0]).toBe('job_id,grid_index,job_name,method,code_version,backend,dataset,split,point_index,log_likelihood,lid');
  expect(lines[2]!.split(',').slice(3)).toEqual(['unspecified', expect.any(String), 'fixture', 'fixture', 'test', '1', '-1', '1']);
  expect(lines).toHaveLength(1 + 7);
  expect(lines.slice(1).map((l) => l.split(',')[1]).sort()).toEqual(['0', '0', '0', '1', '1', '1', '1']);
});

test('job logs and artifacts are served', async () => {
  const job = (await h.app.inject({ url: `/sweeps/${sweepId}/jobs` })).json().items[0];
  const logs = (await h.app.inject({ url: `/jobs/${job.id}/logs` })).json();
  expect(logs.items).toEqual([expect.objectContaining({ attempt: 1, level: 'info', message: 'scoring', data: { points: 3 } })]);
  const detail = (await h.app.inject({ url: `/jobs/${job.id}` })).json();
  expect(detail.artifacts).toEqual([expect.objectContaining({ name: 'model.txt', kind: 'checkpoint', bytes: 21 })]);
  expect(detail.summary).toEqual({ ok: true, points: 3, attempt: 1 });
});

test('healthz, the OpenAPI document and the queue board answer', async () => {
  expect((await h.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
  const openapi = (await h.app.inject({ url: '/docs/json' })).json();
  expect(Object.keys(openapi.paths)).toEqual(
    expect.arrayContaining(['/sweeps', '/sweeps/{id}', '/sweeps/{id}/jobs', '/sweeps/{id}/cancel', '/sweeps/{id}/retry-failed', '/sweeps/{id}/results', '/jobs/{id}', '/jobs/{id}/logs', '/jobs/{id}/retry', '/healthz']),
  );
  const board = await h.app.inject({ url: '/queues' });
  expect(board.statusCode).toBe(200);
  expect(board.body).toMatch(/<html/i);
});
