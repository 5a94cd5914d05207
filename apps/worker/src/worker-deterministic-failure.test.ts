import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('any error carrying deterministic: true fails at once, also when it comes from a handler process', async () => {
  const { jobIds } = await h.submit([{ fixture: 'throws', code: 'DGM_DATA_CORRUPT', deterministic: true, message: 'mnist: bad magic number in t10k-images-idx3-ubyte' }], { maxAttempts: 5 });
  const worker = await h.worker({ isolation: 'process' });
  const job = await h.waitFor(jobIds[0]!, isTerminal, 60_000);
  await worker.close();
  expect(job).toMatchObject({ state: 'failed', attempts: 1, error: 'mnist: bad magic number in t10k-images-idx3-ubyte' });
});

test('a non-finite loss fails the job at once with the reason, without retrying', async () => {
  const { sweepId, jobIds } = await h.submit([{ fixture: 'nan' }], { maxAttempts: 5 });
  await h.worker();
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job).toMatchObject({
    state: 'failed',
    attempts: 1,
    error: 'non-finite loss at step 4 (batch 4); last finite loss 1.5 at step 3',
  });
  const { rows } = await h.pool.query('SELECT status FROM sweeps WHERE id = $1', [sweepId]);
  expect(rows[0].status).toBe('failed');
});

test('the code alone decides nothing: an error without the property is retried, whatever its code says', async () => {
  const { jobIds } = await h.submit([{ fixture: 'throws', code: 'FLOWS_NONFINITE_LOSS', message: 'loss is NaN' }], { maxAttempts: 2, backoffMs: 50 });
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job).toMatchObject({ state: 'failed', attempts: 2, error: 'loss is NaN' });
});

test('a config no handler accepts fails at once, naming the kind and the known handlers', async () => {
  const { jobIds } = await h.submit([{ fixture: 'no-such-behaviour' }], { maxAttempts: 5 });
  const job = await h.waitFor(jobIds[0]!, isTerminal);
  expect(job.state).toBe('failed');
  expect(job.attempts).toBe(1);
  expect(job.error).toMatch(/^no train handler matches job .* \(handlers: fixture\.train\.noop, /);
});
