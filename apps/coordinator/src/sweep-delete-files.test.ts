import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSweep } from '@dgm-ood/jobs';
import { startFixtureWorker, waitForSweep, type CoordinatorHarness } from './testing/harness.js';
import { jobIdsOf, storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

let h: CoordinatorHarness;
let worker: { close(): Promise<void> } | undefined;
beforeAll(async () => {
  h = await storageHarness({ artifactStore: 'directory' });
  worker = await startFixtureWorker(h);
});
afterAll(async () => {
  await worker?.close();
  await h?.close();
});

test("a deleted sweep's working directories and queue entries go after the commit; another sweep's and MODEL_DIR's own files stay", async () => {
  const doomed = await submit(h, trainSweep('doomed', ['succeed', 'curves']));
  const kept = await submit(h, trainSweep('kept', ['succeed']));
  await waitForSweep(h, doomed, (s) => s.status === 'succeeded');
  await waitForSweep(h, kept, (s) => s.status === 'succeeded');
  const [doomedJob] = await jobIdsOf(h.pool, doomed);
  const [keptJob] = await jobIdsOf(h.pool, kept);
  const modelDir = h.config.modelDir;
  expect(existsSync(join(modelDir, `checkpoints-${doomed}`, 'job-1', 'samples', 'epoch-001.png'))).toBe(true);
  expect(await h.queues.train.getJob(doomedJob!)).toBeDefined();
  // A base model a user keeps in MODEL_DIR (configs name it by path): never ours to remove.
  mkdirSync(join(modelDir, 'fmnist'), { recursive: true });
  writeFileSync(join(modelDir, 'fmnist', 'best.json'), '{}');

  const response = await h.app.inject({ method: 'DELETE', url: `/sweeps/${doomed}` });
  expect(response.json()).toMatchObject({ deleted: true, workdirs: 2, largeObjects: 0, leftBehind: 0 });
  expect(response.json().queueEntries).toBeGreaterThanOrEqual(2);
  expect(existsSync(join(modelDir, `checkpoints-${doomed}`))).toBe(false);
  expect(await h.queues.train.getJob(doomedJob!)).toBeUndefined();

  expect(existsSync(join(modelDir, `checkpoints-${kept}`, 'job-0', 'model.txt'))).toBe(true);
  expect(await h.queues.train.getJob(keptJob!)).toBeDefined();
  expect(existsSync(join(modelDir, 'fmnist', 'best.json'))).toBe(true);
});

test('a working directory two sweeps share (single runs of one config) stays until the last of them is deleted', async () => {
  const workdirKey = 'single-runs/train-0123456789abcdef';
  const dir = join(h.config.modelDir, workdirKey);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'checkpoint.json'), '{"step": 3}');
  const ids: string[] = [];
  for (const name of ['run-a', 'run-b']) {
    const { sweepId } = await createSweep(h.pool, {
      name, kind: 'train', sourceText: '{}', sourceFormat: 'json', options: { singleRun: true }, maxAttempts: 1,
      jobs: [{ gridIndex: 0, name, point: {}, configJson: '{}', configHash: '0123456789abcdef0123', workdirKey }],
    });
    await h.app.inject({ method: 'POST', url: `/sweeps/${sweepId}/cancel` });
    ids.push(sweepId);
  }
  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${ids[0]}` })).json()).toMatchObject({ deleted: true, workdirs: 0 });
  expect(existsSync(join(dir, 'checkpoint.json'))).toBe(true);
  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${ids[1]}` })).json()).toMatchObject({ deleted: true, workdirs: 1 });
  expect(existsSync(dir)).toBe(false);
});
