import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startAttempt } from '@dgm-ood/jobs';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

async function attemptProvenance(jobId: string): Promise<unknown[]> {
  const { rows } = await h.pool.query('SELECT provenance FROM job_attempts WHERE job_id = $1 ORDER BY attempt', [jobId]);
  return rows.map((r) => r.provenance);
}

async function waitForFile(path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await sleep(50);
  }
}

for (const isolation of ['inline', 'process'] as const) {
  test(`job and attempt carry the base record, the reported backend and the handler's fields (${isolation})`, async () => {
    const { jobIds } = await h.submit([{ fixture: 'provenance' }]);
    const worker = await h.worker({ isolation, workerId: `provenance-${isolation}` });
    const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
    await worker.close();
    expect(job.state).toBe('succeeded');
    const expected = {
      codeVersion: expect.stringMatching(/^([0-9a-f]{40}|unknown)$/),
      dirty: expect.toBeOneOf([true, false, null]),
      host: hostname(),
      workerId: `provenance-${isolation}`,
      node: process.version,
      backend: 'fixture-backend',
      seed: 7,
      datasets: [{ name: 'fixture', origin: 'generated', sha256: 'f'.repeat(64) }],
      device: 'fixture-device',
    };
    expect(job.provenance).toEqual(expected);
    expect(await attemptProvenance(jobIds[0]!)).toEqual([expected]);
  });
}

test('DGM_OOD_CODE_VERSION, when configured, is the recorded code version', async () => {
  const { jobIds } = await h.submit([{ fixture: 'provenance' }]);
  const worker = await h.worker({ config: { ...h.config, codeVersion: 'v1.2.3-4-gabcdef0-dirty' } });
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  await worker.close();
  expect(job.provenance).toMatchObject({ codeVersion: 'v1.2.3-4-gabcdef0-dirty', dirty: true });
});

test("a stale attempt's provenance write is refused and changes neither the job nor any attempt", async () => {
  const { jobIds } = await h.submit([{ fixture: 'provenance-stale' }]);
  const jobId = jobIds[0]!;
  await h.worker({ workerId: 'first' });
  const running = await h.waitFor(jobId, (j) => j.state === 'running');
  const workdir = join(h.config.modelDir, running.workdir_key as string);
  await waitForFile(join(workdir, 'ready'));

  // Another worker takes the job over (as when the first one's lease lapsed).
  const takeover = await startAttempt(h.pool, jobId, { workerId: 'second', provenance: { workerId: 'second' } });
  expect(takeover.status).toBe('started');
  writeFileSync(join(workdir, 'go'), '');
  await waitForFile(join(workdir, 'outcome.json'));

  expect(JSON.parse(readFileSync(join(workdir, 'outcome.json'), 'utf8'))).toEqual({
    written: false,
    code: 'DGM_JOB_STALE_ATTEMPT',
    message: `job ${jobId}: attempt 1 is stale (the job is now on attempt 2); its writes are refused`,
  });
  const job = await h.job(jobId);
  expect(job.provenance).toEqual({ workerId: 'second' });
  const [first, second] = await attemptProvenance(jobId);
  expect(first).toMatchObject({ workerId: 'first', seed: 1 });
  expect(first).not.toHaveProperty('late');
  expect(second).toEqual({ workerId: 'second' });
});
