import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

const post = async (payload: string, query = '') => {
  const response = await h.app.inject({ method: 'POST', url: `/sweeps${query}`, headers: { 'content-type': 'application/yaml' }, payload });
  return { status: response.statusCode, body: response.json() };
};

describe("POST /sweeps with the reference's diffusion training sweeps, unchanged", () => {
  test('training/diffusions/grayscale_diffusions.yaml: 201, its 8 jobs (VP and VE on four datasets) stored and queued', async () => {
    const { status, body } = await post(upstreamFile('training/diffusions/grayscale_diffusions.yaml'));
    expect(status).toBe(201);
    expect(body).toMatchObject({ kind: 'train', jobCount: 8, queued: 8, waiting: 0, failed: 0 });
    const jobs = (await h.app.inject({ url: `/sweeps/${body.id}/jobs?pageSize=100` })).json();
    expect(jobs.total).toBe(8);
    const names: string[] = jobs.items.map((j: { name: string }) => j.name);
    for (const model of ['VPSDE_Diffusion', 'VESDE_Diffusion']) {
      for (const dataset of ['fashion-mnist', 'omniglot', 'mnist', 'emnist']) {
        expect(names.filter((n) => n.startsWith(`diffusion_${model}_${dataset}_`))).toHaveLength(1);
      }
    }
    const first = (await h.app.inject({ url: `/jobs/${jobs.items[0].id}` })).json();
    expect(first.config.model.class_path).toBe('model_zoo.density_estimator.diffusions.VPSDE_Diffusion');
    expect(await h.queues.train.getWaitingCount()).toBe(8);
  });

  test('training/diffusions/colorful_diffusions.yaml: accepted (dry run), 12 jobs', async () => {
    const { status, body } = await post(upstreamFile('training/diffusions/colorful_diffusions.yaml'), '?dryRun=true');
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'train', jobCount: 12, dryRun: true });
  });

  test('training/diffusions/medmnist_diffusions.yaml: accepted (dry run), 6 jobs, one per subclass and ChestMNIST alignment', async () => {
    const { status, body } = await post(upstreamFile('training/diffusions/medmnist_diffusions.yaml'), '?dryRun=true');
    expect(status).toBe(200);
    expect(body).toMatchObject({ kind: 'train', jobCount: 6, dryRun: true });
  });
});
