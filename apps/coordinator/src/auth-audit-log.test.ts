import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Logger } from '@dgm-ood/config';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const OPS = 'ops-secret-0123456789abcdef0123';

/** A logger that keeps what is logged at info (Fastify's request loggers are its children). */
function recordingLogger(lines: Record<string, unknown>[]): Logger {
  const logger = {
    level: 'info',
    info: (data: unknown, msg?: string) => lines.push({ ...(typeof data === 'object' ? data : { data }), msg }),
    error() {}, warn() {}, debug() {}, trace() {}, fatal() {}, silent() {},
    child: () => logger,
  };
  return logger as unknown as Logger;
}

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
