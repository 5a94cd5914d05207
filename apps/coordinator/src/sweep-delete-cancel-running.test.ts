/**
 * Deleting a sweep whose jobs are running (?cancel=true): the deletion's cascade into job_attempts and the workers
 * recording the cancelled attempts lock the same rows in opposite orders. PostgreSQL then aborted the deletion as a
 * deadlock victim — a 500 for about 2 in 5 such deletions here — until the deletion retried its transaction.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startFixtureWorker, type CoordinatorHarness } from './testing/harness.js';
import { storageHarness } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  h = await storageHarness();
  worker = await startFixtureWorker(h, { concurrency: 2 });
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
});

test('sweeps deleted while their jobs run are all deleted (no deadlock 500), their rows gone', async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 8; round++) {
    const meta = 'project: del\nbase_config: {fixture: hang}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n';
    const { id } = (await h.app.inject({ method: 'POST', url: '/sweeps?kind=train', headers: { 'content-type': 'application/yaml' }, payload: meta })).json();
    await new Promise((r) => setTimeout(r, 150 + 100 * (round % 4))); // the jobs picked up, at different points
    const deleted = await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true` });
    outcomes.push(`${deleted.statusCode}${deleted.statusCode === 200 ? '' : ` ${deleted.body}`}`);
    const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM jobs WHERE sweep_id = $1`, [id]);
    if (deleted.statusCode === 200) expect(rows[0].n).toBe(0);
  }
  expect(outcomes).toEqual(Array(8).fill('200'));
}, 120_000);
