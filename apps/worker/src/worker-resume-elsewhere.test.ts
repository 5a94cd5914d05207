import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('a job interrupted on one machine resumes on another with an empty MODEL_DIR, from the database-backed store', async () => {
  const machineA = mkdtempSync(join(tmpdir(), 'dgm-machine-a-'));
  const machineB = mkdtempSync(join(tmpdir(), 'dgm-machine-b-'));
  const { jobIds } = await h.submit([{ fixture: 'counter', steps: 10, stepMs: 150 }]);
  const first = h.spawnWorker(['--isolation', 'process', '--lock-duration', '2000', '--stalled-interval', '1000'], {
    MODEL_DIR: machineA,
    DGM_OOD_ARTIFACT_STORE: 'postgres',
  });
  await h.waitFor(jobIds[0]!, (j) => ((j.progress as { step?: number } | null)?.step ?? 0) >= 4, 60_000);
  first.kill('SIGKILL');
  await once(first, 'exit');
  expect(readdirSync(machineB)).toEqual([]);

  await h.worker({ modelDir: machineB, artifactStore: 'postgres', lockDurationMs: 2000, stalledIntervalMs: 1000 });
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  expect(job.state).toBe('succeeded');
  expect((job.summary as { resumedFrom: number }).resumedFrom).toBeGreaterThanOrEqual(4);
  const { rows } = await h.pool.query(`SELECT uri FROM artifacts WHERE job_id = $1 AND name = 'checkpoint.json'`, [jobIds[0]]);
  expect(rows[0].uri).toMatch(/^pg-lo:\/\/\d+$/);
  expect(existsSync(join(machineB, job.workdir_key as string, 'checkpoint.json'))).toBe(true);
});
