import { expect, test } from 'vitest';
import { useTestDatabase } from '@dgm-ood/db/vitest';
import { completeAttempt, reportProgress, startAttempt, writeResults } from './lifecycle.js';
import { createSweep } from './sweeps.js';

const database = useTestDatabase();

async function oneJob(): Promise<string> {
  const { jobs } = await createSweep(database.pool, {
    name: 'fencing', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
    jobs: [{ gridIndex: 0, name: 'j', point: {}, configJson: '{"lr": 1.0}', configHash: 'h' }],
  });
  return jobs[0]!.id;
}

test('an attempt whose lease was taken over can no longer write results, progress or success', async () => {
  const jobId = await oneJob();
  const first = await startAttempt(database.pool, jobId, { workerId: 'a' });
  const second = await startAttempt(database.pool, jobId, { workerId: 'b' });
  expect(first.status === 'started' && first.job.attempt).toBe(1);
  expect(second.status === 'started' && second.job.attempt).toBe(2);

  const row = { dataset: 'mnist', split: 'test', pointIndex: 0, scores: { lid: 1 } };
  await expect(writeResults(database.pool, jobId, 1, [row])).rejects.toMatchObject({
    code: 'DGM_JOB_STALE_ATTEMPT',
    message: `job ${jobId}: attempt 1 is stale (the job is now on attempt 2); its writes are refused`,
  });
  expect(await reportProgress(database.pool, jobId, 1, { step: 1 })).toBe(false);
  await expect(completeAttempt(database.pool, jobId, 1, null)).rejects.toMatchObject({ code: 'DGM_JOB_STALE_ATTEMPT' });

  expect(await writeResults(database.pool, jobId, 2, [row])).toBe(1);
  await completeAttempt(database.pool, jobId, 2, { ok: true });
  const { rows } = await database.pool.query('SELECT state, attempts FROM jobs WHERE id = $1', [jobId]);
  expect(rows[0]).toEqual({ state: 'succeeded', attempts: 2 });
  const { rows: attempts } = await database.pool.query('SELECT attempt, worker_id, outcome FROM job_attempts WHERE job_id = $1 ORDER BY attempt', [jobId]);
  expect(attempts).toEqual([
    { attempt: 1, worker_id: 'a', outcome: 'interrupted' },
    { attempt: 2, worker_id: 'b', outcome: 'succeeded' },
  ]);
});

test('a delivered job that already succeeded is skipped, not run again', async () => {
  const jobId = await oneJob();
  const started = await startAttempt(database.pool, jobId, { workerId: 'a' });
  expect(started.status).toBe('started');
  await completeAttempt(database.pool, jobId, 1, null);
  expect(await startAttempt(database.pool, jobId, { workerId: 'b' })).toEqual({ status: 'skipped', state: 'succeeded', reason: 'job is succeeded' });
});

test('the concrete config keeps int/float fidelity in Postgres', async () => {
  const jobId = await oneJob();
  const { rows } = await database.pool.query('SELECT config::text AS text FROM jobs WHERE id = $1', [jobId]);
  expect(rows[0].text).toBe('{"lr": 1.0}');
});

test('the last jobs of a sweep finishing at the same moment still settle the sweep', async () => {
  for (let round = 0; round < 5; round++) {
    const { sweepId, jobs } = await createSweep(database.pool, {
      name: 'race', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 3,
      jobs: [0, 1, 2, 3].map((i) => ({ gridIndex: i, name: `j${i}`, point: {}, configJson: '{}', configHash: `h${i}` })),
    });
    for (const job of jobs) await startAttempt(database.pool, job.id, { workerId: 'w' });
    await Promise.all(jobs.map((job) => completeAttempt(database.pool, job.id, 1, null)));
    const { rows } = await database.pool.query('SELECT status FROM sweeps WHERE id = $1', [sweepId]);
    expect(rows[0].status).toBe('succeeded');
  }
});
