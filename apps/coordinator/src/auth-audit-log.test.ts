import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';
import { recordingLogger } from './testing/recording-logger.js';

const OPS = 'ops-secret-0123456789abcdef0123';

const lines: Record<string, unknown>[] = [];
let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness({ apiTokens: [{ name: 'ops', secret: OPS }] }, { logger: recordingLogger(lines) });
});
afterAll(async () => {
  await h?.close();
});

test('cancelling and retrying are logged with the name of the token that did it, never its secret', async () => {
  const authorization = `Bearer ${OPS}`;
  const meta = 'project: f\nbase_config: {fixture: noop, trainer: {}}\nsweep_configuration:\n  seed: {sweep: true, values: [1]}\n';
  const { id } = (await h.app.inject({ method: 'POST', url: '/sweeps?kind=train', payload: meta, headers: { 'content-type': 'application/yaml', authorization } })).json();
  expect((await h.app.inject({ method: 'POST', url: `/sweeps/${id}/cancel`, headers: { authorization } })).statusCode).toBe(200);
  expect((await h.app.inject({ method: 'POST', url: `/sweeps/${id}/retry-failed`, headers: { authorization } })).statusCode).toBe(200);
  const actions = lines.filter((line) => line.msg === 'api action');
  expect(actions).toEqual(expect.arrayContaining([
    expect.objectContaining({ token: 'ops', action: 'POST /sweeps', status: 201 }),
    expect.objectContaining({ token: 'ops', action: 'POST /sweeps/:id/cancel', sweepId: id }),
    expect.objectContaining({ token: 'ops', action: 'POST /sweeps/:id/retry-failed', sweepId: id }),
  ]));
  expect(JSON.stringify(actions)).not.toContain(OPS);
});
