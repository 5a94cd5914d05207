import { afterAll, beforeAll, expect, test } from 'vitest';
import { completeAttempt, createSweep, startAttempt, writeResults } from '@dgm-ood/jobs';
import { runWordFor } from '@dgm-ood/metaconfig';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
let sweepId: string;
let jobIds: string[];
const HASH = 'c0ffee00'.repeat(8);
beforeAll(async () => {
  h = await createCoordinatorHarness();
  // The model: a training job on Fashion-MNIST (never run; a reference resolves to it whatever its state).
  await createSweep(h.pool, {
    name: 'flows', kind: 'train', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: [{ gridIndex: 0, name: 'fmnist-flow', point: {}, configJson: JSON.stringify({ data: { dataset: 'fashion-mnist' } }), configHash: 't0' }],
  });
  const lid = { base_model: { sweep: 'flows', job: 'fmnist-flow' }, data: { in_distribution: { dataloader_args: { dataset: 'fashion-mnist' } }, out_of_distribution: { pick_loader: 'test', dataloader_args: { dataset: 'mnist' } } } };
  // No in-distribution dataset in the config: it is the model's; a generic name (the changer could not name it).
  const complexity = { base_model: { sweep: 'flows', job: 'fmnist-flow' }, data: { out_of_distribution: { dataloader_args: { dataset: 'dgm-generated' } } } };
  const created = await createSweep(h.pool, {
    name: 'reference-export', kind: 'ood', sourceText: '', sourceFormat: 'yaml', options: {}, maxAttempts: 1,
    jobs: [
      { gridIndex: 0, name: 'fashion-mnist_vs_mnist_test_acorn', point: {}, configJson: JSON.stringify(lid), configHash: 'h0' },
      { gridIndex: 1, name: `dgm-generated_${HASH.slice(0, 8)}`, point: {}, configJson: JSON.stringify(complexity), configHash: HASH },
    ],
  });
  sweepId = created.sweepId;
  jobIds = created.jobs.map((j) => j.id);
  const scores = [
    (k: number) => ({ log_likelihood: -(k + 1), lid: 10 + k }),
    (k: number) => ({ log_likelihood_bits: -2 * (k + 1), complexity_bits: 100 + k, input_complexity: 5 }),
  ];
  for (const [i, id] of jobIds.entries()) {
    const started = await startAttempt(h.pool, id, { workerId: 't' });
    if (started.status !== 'started') throw new Error('not started');
    const dataset = i === 0 ? 'mnist' : 'dgm-generated';
    await writeResults(h.pool, id, 1, [0, 1].map((k) => ({ dataset, split: 'test', pointIndex: k, scores: scores[i]!(k) })));
    await completeAttempt(h.pool, id, 1, null);
  }
});
afterAll(async () => {
  await h?.close();
});

test('names=reference: JSON pages of rows with the reference’s columns and run names', async () => {
  const first = (await h.app.inject({ url: `/sweeps/${sweepId}/results?names=reference&limit=3` })).json();
  expect(first.next).not.toBeNull();
  const rest = (await h.app.inject({ url: `/sweeps/${sweepId}/results?names=reference&limit=3&after=${first.next}` })).json();
  expect(rest.next).toBeNull();
  const generated = `fashion-mnist_vs_dgm-generated_test_${runWordFor(HASH)}`;
  expect([...first.items, ...rest.items]).toEqual([
    { LID: 10, _defaultColorIndex: 0, id: jobIds[0], 'log-likelihood': -1, name: 'fashion-mnist_vs_mnist_test_acorn' },
    { LID: 11, _defaultColorIndex: 0, id: jobIds[0], 'log-likelihood': -2, name: 'fashion-mnist_vs_mnist_test_acorn' },
    { _defaultColorIndex: 1, 'complexity-scores': 100, id: jobIds[1], input_complexity: 5, 'log-likelihood': -2, name: generated },
    { _defaultColorIndex: 1, 'complexity-scores': 101, id: jobIds[1], input_complexity: 5, 'log-likelihood': -4, name: generated },
  ]);
  // Our own names stay the default.
  expect((await h.app.inject({ url: `/sweeps/${sweepId}/results?limit=1` })).json().items[0]).toMatchObject({ jobName: 'fashion-mnist_vs_mnist_test_acorn', scores: { log_likelihood: -1, lid: 10 } });
});

test('names=reference with Accept: text/csv: the W&B export, every column of the sweep in code-point order, fields quoted', async () => {
  const csv = await h.app.inject({ url: `/sweeps/${sweepId}/results?names=reference`, headers: { accept: 'text/csv' } });
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  expect(csv.headers['content-disposition']).toBe(`attachment; filename="sweep-${sweepId}-results-reference.csv"`);
  const lines = csv.body.trim().split('\n');
  expect(lines[0]).toBe('"LID","_defaultColorIndex","complexity-scores","id","input_complexity","log-likelihood","name"');
  expect(lines[1]).toBe(`"10","0","","${jobIds[0]}","","-1","fashion-mnist_vs_mnist_test_acorn"`);
  expect(lines[4]).toBe(`"","1","101","${jobIds[1]}","5","-4","fashion-mnist_vs_dgm-generated_test_${runWordFor(HASH)}"`);
  expect(lines).toHaveLength(5);
});

test('an unknown naming is a 400 naming the parameter', async () => {
  const bad = await h.app.inject({ url: `/sweeps/${sweepId}/results?names=wandb` });
  expect(bad.statusCode).toBe(400);
  expect(bad.json()).toMatchObject({ code: 'DGM_REQUEST_INVALID', message: expect.stringContaining('querystring.names') });
});
