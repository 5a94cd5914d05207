import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('a job runs once: state, results, artifact, progress, logs and summary are recorded', async () => {
  const { sweepId, jobIds } = await h.submit([{ fixture: 'succeed', points: 5 }]);
  await h.worker();
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job).toMatchObject({ state: 'succeeded', attempts: 1, error: null, backend: 'fixture', summary: { ok: true, points: 5, attempt: 1 } });
  expect(job.progress).toEqual({ fraction: 1 });
  expect(await h.attempts(jobIds[0]!)).toEqual([{ attempt: 1, outcome: 'succeeded', error: null }]);
  const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM point_results WHERE job_id = $1', [jobIds[0]]);
  expect(rows[0].n).toBe(5);
  const { rows: artifacts } = await h.pool.query('SELECT name, kind, bytes FROM artifacts WHERE job_id = $1', [jobIds[0]]);
  expect(artifacts).toEqual([{ name: 'model.txt', kind: 'checkpoint', bytes: '21' }]);
  const { rows: logs } = await h.pool.query('SELECT level, message, data FROM job_logs WHERE job_id = $1', [jobIds[0]]);
  expect(logs).toEqual([{ level: 'info', message: 'scoring', data: { points: 5 } }]);
  const { rows: sweep } = await h.pool.query('SELECT status FROM sweeps WHERE id = $1', [sweepId]);
  expect(sweep[0].status).toBe('succeeded');
});
