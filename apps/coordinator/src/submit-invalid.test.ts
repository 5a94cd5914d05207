import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, upstreamFile, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

const post = (payload: string, url = '/sweeps') =>
  h.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/yaml' }, payload });

test('an invalid upstream file (dangling sweep) is refused with 400 and the YAML path; nothing is stored', async () => {
  const response = await post(upstreamFile('ood/deriv_norm/grayscale_deriv_norm.yaml'));
  expect(response.statusCode).toBe(400);
  const body = response.json();
  expect(body.code).toBe('DGM_SWEEP_INVALID');
  expect(body.errors.length).toBeGreaterThan(0);
  expect(body.errors[0].path).toMatch(/dy__upsert/);
  expect(await h.prisma.sweep.count()).toBe(0);
});

test('broken YAML is refused with the line', async () => {
  const response = await post('project: x\nbase_config: {a: [1, 2}\n');
  expect(response.statusCode).toBe(400);
  expect(response.json().errors[0]).toHaveProperty('line');
});

test('a config whose kind cannot be inferred asks for kind', async () => {
  const response = await post('project: x\nbase_config:\n  a: 1\nsweep_configuration:\n  a: {sweep: true, values: [1, 2]}\n');
  expect(response.statusCode).toBe(400);
  expect(response.json().errors).toEqual([expect.objectContaining({ path: 'base_config', message: expect.stringMatching(/kind=train or kind=ood/) })]);
  // With the kind given, the jobs are checked as training jobs: this one has no data or model.
  const checked = await post('project: x\nbase_config:\n  a: 1\nsweep_configuration:\n  a: {sweep: true, values: [1, 2]}\n', '/sweeps?kind=train');
  expect(checked.statusCode).toBe(400);
  expect(checked.json().errors).toEqual([
    expect.objectContaining({ path: 'jobs[0].data.dataset' }),
    expect.objectContaining({ path: 'jobs[1].data.dataset' }),
  ]);
  // A fixture job (run by the test worker's fixture handlers) is accepted under the kind given.
  const ok = await post('project: x\nbase_config:\n  a: 1\n  fixture: succeed\nsweep_configuration:\n  a: {sweep: true, values: [1, 2]}\n', '/sweeps?kind=train');
  expect(ok.statusCode).toBe(201);
});

test('bad query parameters are named', async () => {
  const response = await post('project: x\n', '/sweeps?kind=evaluate');
  expect(response.statusCode).toBe(400);
  expect(response.json().message).toMatch(/querystring\.kind/);
});

test('configs the default run-name changer cannot read get plain run names, with a warning', async () => {
  const response = await post(
    'project: x\nbase_config:\n  fixture: succeed\n  base_model: {path: m.pt}\n  ood: {seed: 1}\nsweep_configuration:\n  ood:\n    seed: {sweep: true, values: [1, 2]}\n',
  );
  expect(response.statusCode).toBe(201);
  const sweep = (await h.app.inject({ url: `/sweeps/${response.json().id}` })).json();
  expect(sweep.options.runNameChanger).toBeNull();
  expect(sweep.options.warnings[0]).toMatch(/^run names: ood_run_name_changer does not apply \(KeyError: 'data'/);
});

test('unknown routes and ids answer with coded errors', async () => {
  expect((await h.app.inject({ url: '/nope' })).json()).toMatchObject({ code: 'DGM_ROUTE_NOT_FOUND' });
  const missing = await h.app.inject({ url: '/sweeps/00000000-0000-4000-8000-000000000000' });
  expect(missing.statusCode).toBe(404);
  expect(missing.json()).toMatchObject({ code: 'DGM_SWEEP_NOT_FOUND' });
  expect((await h.app.inject({ url: '/sweeps/not-a-uuid' })).statusCode).toBe(400);
});
