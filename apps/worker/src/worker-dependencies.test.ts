import { afterAll, beforeAll, expect, test } from 'vitest';
import { createHarness, isTerminal, type Harness } from './testing/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

test('an OOD job waits for its training job and starts only after it succeeded', async () => {
  const train = await h.submit([{ fixture: 'counter', steps: 3, stepMs: 100 }], { kind: 'train' });
  const ood = await h.submit([{ fixture: 'succeed' }], { kind: 'ood', dependsOn: [[train.jobIds[0]!]] });
  expect((await h.job(ood.jobIds[0]!)).state).toBe('waiting');
  await h.worker({ concurrency: 2 });
  const trained = await h.waitFor(train.jobIds[0]!, isTerminal);
  const scored = await h.waitFor(ood.jobIds[0]!, isTerminal);
  expect(trained.state).toBe('succeeded');
  expect(scored.state).toBe('succeeded');
  expect((scored.started_at as Date).getTime()).toBeGreaterThanOrEqual((trained.finished_at as Date).getTime());
});

test('when the training job fails, its OOD jobs fail with a reason naming it', async () => {
  const train = await h.submit([{ fixture: 'nan' }], { kind: 'train' });
  const ood = await h.submit([{ fixture: 'succeed' }, { fixture: 'succeed' }], {
    kind: 'ood',
    dependsOn: [[train.jobIds[0]!], [train.jobIds[0]!]],
  });
  for (const id of ood.jobIds) {
    const job = await h.waitFor(id, isTerminal);
    expect(job.state).toBe('failed');
    expect(job.attempts).toBe(0);
    expect(job.error).toMatch(/^dependency failed: job 0 \(fixture-0\) of sweep fixtures-\w+ failed: non-finite loss/);
  }
});
