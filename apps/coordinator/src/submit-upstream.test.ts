import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

/**
 * The reference's likelihood-ratio sweep runs on the test worker's `succeed` fixture: its method is not
 * implemented (submit-validation.test.ts shows the 400), and these tests are about expansion and storage.
 */
const ratiosOnFixture = () => upstreamFile('ood/ratios/grayscale_ratios.yaml').replace(/^base_config:\n/m, 'base_config:\n  fixture: succeed\n');

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

describe('POST /sweeps with a real upstream meta-configuration', () => {
  test('ood/ratios/grayscale_ratios.yaml becomes 16 ood jobs, stored and enqueued in grid order', async () => {
    const source = ratiosOnFixture();
    const response = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: source });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created).toMatchObject({ kind: 'ood', jobCount: 16, queued: 16, waiting: 0, failed: 0 });

    const jobs = (await h.app.inject({ url: `/sweeps/${created.id}/jobs?pageSize=100` })).json();
    expect(jobs.total).toBe(16);
    expect(jobs.items.map((j: { gridIndex: number }) => j.gridIndex)).toEqual([...Array(16).keys()]);
    // Grid order: B_in_distribution_model (outer) × Z_ood_picker (inner); run names follow ood_run_name_changer.
    expect(jobs.items[0].name).toMatch(/^mnist_vs_mnist_test_[a-z]+$/);
    expect(jobs.items[3].name).toMatch(/^mnist_vs_dgm-generated_test_[a-z]+$/);

    const detail = (await h.app.inject({ url: `/sweeps/${created.id}` })).json();
    expect(detail.counts).toEqual({ pending: 0, waiting: 0, queued: 16, running: 0, succeeded: 0, failed: 0, cancelled: 0 });
    expect(Object.values(detail.counts as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(detail.jobCount);
    expect(detail.options).toMatchObject({ runNameChanger: 'ood_run_name_changer', project: 'final-report' });

    const waiting = await h.queues.ood.getWaiting(0, 100);
    const order = new Map(jobs.items.map((j: { id: string; gridIndex: number }) => [j.id, j.gridIndex]));
    // getWaiting lists jobs in dispatch order (oldest first): grid order.
    expect(waiting.map((j) => order.get(j.id!))).toEqual([...Array(16).keys()]);
  });

  test('the job detail carries the concrete config, and a job can be found again by id', async () => {
    const source = upstreamFile('training/flows/grayscale_flows.yaml');
    const created = (await h.app.inject({ method: 'POST', url: '/sweeps?name=flows', headers: { 'content-type': 'text/yaml' }, payload: source })).json();
    expect(created).toMatchObject({ name: 'flows', kind: 'train', jobCount: 10 });
    const first = (await h.app.inject({ url: `/sweeps/${created.id}/jobs?pageSize=1` })).json().items[0];
    const job = (await h.app.inject({ url: `/jobs/${first.id}` })).json();
    expect(job.config.data.dataset).toBe('fashion-mnist');
    expect(job.name).toMatch(/^AffineCouplingTransform_fashion-mnist_[a-z]+$/);
    expect(job.attemptLog).toEqual([]);
    expect(job.workdirKey).toBe(`checkpoints-${created.id}/job-0`);
  });

  test('multipart upload and a JSON envelope are accepted too', async () => {
    const source = ratiosOnFixture();
    const boundary = 'dgmoodboundary';
    const payload =
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nood\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="grayscale_ratios.yaml"\r\nContent-Type: application/yaml\r\n\r\n${source}\r\n--${boundary}--\r\n`;
    const multipart = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(multipart.statusCode).toBe(201);
    expect(multipart.json()).toMatchObject({ jobCount: 16, kind: 'ood' });

    const envelope = await h.app.inject({ method: 'POST', url: '/sweeps', payload: { source, name: 'ratios-json', maxAttempts: 2 } });
    expect(envelope.statusCode).toBe(201);
    expect(envelope.json()).toMatchObject({ name: 'ratios-json', jobCount: 16 });
  });

  test('GET /sweeps lists sweeps newest first, paged', async () => {
    const list = (await h.app.inject({ url: '/sweeps?pageSize=2' })).json();
    expect(list.items).toHaveLength(2);
    expect(list.total).toBeGreaterThanOrEqual(3);
    expect(new Date(list.items[0].createdAt).getTime()).toBeGreaterThanOrEqual(new Date(list.items[1].createdAt).getTime());
  });
});
