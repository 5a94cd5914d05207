import { afterAll, beforeAll, expect, test } from 'vitest';
import type { CoordinatorHarness } from './testing/harness.js';
import { recordingLogger } from './testing/recording-logger.js';
import { storageHarness, submit, trainSweep } from './testing/stored-sweeps.js';

const OPS = 'ops-secret-0123456789abcdef0123';
const authorization = `Bearer ${OPS}`;
const lines: Record<string, unknown>[] = [];
let h: CoordinatorHarness;
beforeAll(async () => {
  h = await storageHarness({ apiTokens: [{ name: 'ops', secret: OPS }] }, { logger: recordingLogger(lines) });
});
afterAll(async () => {
  await h?.close();
});

test('DELETE needs the bearer token, answers 404 for an unknown sweep, and records which token deleted what', async () => {
  const id = await submit(h, trainSweep('audited', ['noop']), 'train', { authorization });
  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true` })).statusCode).toBe(401);
  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true`, headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401);
  const unknown = await h.app.inject({ method: 'DELETE', url: '/sweeps/00000000-0000-4000-8000-000000000000', headers: { authorization } });
  expect(unknown.statusCode).toBe(404);
  expect(unknown.json().code).toBe('DGM_SWEEP_NOT_FOUND');
  expect((await h.app.inject({ url: `/sweeps/${id}`, headers: { authorization } })).statusCode).toBe(200);

  expect((await h.app.inject({ method: 'DELETE', url: `/sweeps/${id}?cancel=true`, headers: { authorization } })).statusCode).toBe(200);
  const audit = lines.filter((line) => line.msg === 'api action' || line.msg === 'deleted sweeps');
  expect(audit).toEqual(expect.arrayContaining([
    expect.objectContaining({ msg: 'api action', token: 'ops', action: 'DELETE /sweeps/:id', sweepId: id, status: 200 }),
    expect.objectContaining({ msg: 'deleted sweeps', token: 'ops', sweeps: [{ id, name: 'audited' }], jobs: 1, cancelled: 1 }),
  ]));
  expect(JSON.stringify(audit)).not.toContain(OPS);
});
