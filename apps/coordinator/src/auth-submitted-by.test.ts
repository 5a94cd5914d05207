import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const CI = 'ci-secret-0123456789abcdef0123';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ apiTokens: [{ name: 'ci', secret: CI }] });
});
afterAll(async () => {
  await h?.close();
});

test("a submitted sweep records the name of the token that submitted it (never the secret)", async () => {
  const meta = 'project: f\nbase_config: {fixture: noop, trainer: {}}\nsweep_configuration:\n  seed: {sweep: true, values: [1]}\n';
  const created = await h.app.inject({
    method: 'POST', url: '/sweeps?kind=train', payload: meta,
    headers: { 'content-type': 'application/yaml', authorization: `Bearer ${CI}` },
  });
  expect(created.statusCode).toBe(201);
  const detail = (await h.app.inject({ url: `/sweeps/${created.json().id}`, headers: { authorization: `Bearer ${CI}` } })).json();
  expect(detail.options.submittedBy).toBe('ci');
  expect(JSON.stringify(detail)).not.toContain(CI);
});
