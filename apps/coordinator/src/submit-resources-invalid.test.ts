import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => h?.close());

test('invalid resources are refused at POST with errors located at the job and setting; nothing is stored', async () => {
  const meta = [
    'project: f',
    'base_config: {fixture: succeed, trainer: {}}',
    'sweep_configuration:',
    '  resources: {sweep: true, values: [{device: tpu, memory_gib: -2, cores: 4}]}',
    '',
  ].join('\n');
  const response = await h.app.inject({ method: 'POST', url: '/sweeps', headers: { 'content-type': 'application/yaml' }, payload: meta });
  expect(response.statusCode).toBe(400);
  const body = response.json();
  expect(body.code).toBe('DGM_SWEEP_INVALID');
  const byPath = Object.fromEntries((body.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]));
  expect(Object.keys(byPath).sort()).toEqual(['jobs[0].resources.cores', 'jobs[0].resources.device', 'jobs[0].resources.memory_gib']);
  expect(byPath['jobs[0].resources.device']).toMatch(/resources\.device must be gpu, cpu or any \(got "tpu"\)/);
  expect(byPath['jobs[0].resources.memory_gib']).toMatch(/greater than 0/);
  const { rows } = await h.pool.query('SELECT (SELECT count(*)::int FROM sweeps) AS sweeps, (SELECT count(*)::int FROM requirement_classes) AS classes');
  expect(rows[0]).toEqual({ sweeps: 0, classes: 0 });
});
