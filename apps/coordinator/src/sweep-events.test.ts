import { expect, test } from 'vitest';
import { readEvents, useListeningCoordinator } from './testing/server-sent-events.js';

const live = useListeningCoordinator();

const META = `
project: events
base_config: {fixture: noop}
sweep_configuration:
  n: {sweep: true, values: [1, 2]}
`;

test("a sweep's stream sends its detail at once, then the jobs another process changed (database notifications)", async () => {
  const sweep = (await live.h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  const [job] = (await live.h.app.inject({ url: `/sweeps/${sweep.id}/jobs` })).json().items;
  const seen = readEvents(`${live.base}/sweeps/${sweep.id}/events`, (e) => e.event === 'jobs');
  // As a worker elsewhere would: straight to PostgreSQL, no call into this coordinator.
  setTimeout(() => {
    void live.h.pool.query(
      `UPDATE jobs SET state = 'running', attempts = 1, started_at = now(), progress = '{"fraction": 0.25, "message": "a quarter"}', updated_at = now() WHERE id = $1`,
      [job.id],
    );
  }, 300);
  const events = await seen;
  expect(events[0]).toMatchObject({ event: 'sweep', data: { id: sweep.id, jobCount: 2 } });
  const jobs = events.find((e) => e.event === 'jobs')!.data;
  expect(jobs.reload).toBe(false);
  expect(jobs.items).toContainEqual(expect.objectContaining({ id: job.id, state: 'running', progress: { fraction: 0.25, message: 'a quarter' }, point: { n: 1 } }));
  const last = events.filter((e) => e.event === 'sweep').at(-1)!.data;
  expect(last.counts.running).toBe(1);
  expect(last.progress.workDone).toBeCloseTo(0.125);
});

test('the all-sweeps stream names a sweep when it is created', async () => {
  const seen = readEvents(`${live.base}/events`, (e) => e.event === 'sweeps');
  await new Promise((r) => setTimeout(r, 300));
  const sweep = (await live.h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  const events = await seen;
  expect(events[0]).toEqual({ event: 'hello', data: { listening: true } });
  expect(events.at(-1)!.data.ids).toContain(sweep.id);
});

test('when the LISTEN connection is killed, changes still arrive (polled, then listened again)', async () => {
  const sweep = (await live.h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: META })).json();
  const [, job] = (await live.h.app.inject({ url: `/sweeps/${sweep.id}/jobs` })).json().items;
  const seen = readEvents(`${live.base}/sweeps/${sweep.id}/events`, (e) => e.event === 'jobs' && e.data.items.some((j: { id: string }) => j.id === job.id), 15_000);
  await new Promise((r) => setTimeout(r, 300));
  const { rowCount } = await live.h.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`,
  );
  expect(rowCount).toBe(1);
  await live.h.pool.query(`UPDATE jobs SET state = 'running', attempts = 1, started_at = now(), updated_at = now() WHERE id = $1`, [job.id]);
  const events = await seen;
  expect(events.at(-1)!.data.items).toContainEqual(expect.objectContaining({ id: job.id, state: 'running' }));
  await expect.poll(() => live.h.app.liveUpdates.listening, { timeout: 10_000 }).toBe(true);
});

test('a stream of an unknown sweep is a coded 404', async () => {
  const response = await fetch(`${live.base}/sweeps/00000000-0000-0000-0000-000000000000/events`);
  expect(response.status).toBe(404);
  expect(((await response.json()) as { code: string }).code).toBe('DGM_SWEEP_NOT_FOUND');
});
