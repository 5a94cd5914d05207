import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const post = (payload: string, contentType: string, url = '/sweeps?kind=train') =>
  h.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

test('a NUL character in a config value (a YAML "\\0" escape) is a located 400, and nothing is stored', async () => {
  const response = await post('project: p\nbase_config: {fixture: noop, note: "a\\0b"}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n', 'application/yaml');
  expect(response.statusCode).toBe(400);
  const body = response.json();
  expect(body.code).toBe('DGM_SWEEP_INVALID');
  expect(body.errors[0]).toMatchObject({ path: 'jobs[0].config.note', code: 'DGM_TEXT_UNSTORABLE' });
  expect(body.errors[0].message).toContain('NUL character (U+0000) at offset 1');
  expect(await h.prisma.sweep.count()).toBe(0);
});

test('a lone surrogate in the sweep name (JSON "\\ud800") or in a key is a located 400', async () => {
  const envelope = JSON.stringify({ source: 'project: p\nbase_config: {fixture: noop}\nsweep_configuration:\n  n: {sweep: true, values: [1]}\n', kind: 'train' })
    .replace('"kind"', '"name":"x\\ud800y","kind"');
  const named = await post(envelope, 'application/json');
  expect(named.statusCode).toBe(400);
  expect(named.json().errors[0]).toMatchObject({ path: 'name', code: 'DGM_TEXT_UNSTORABLE' });
  expect(named.json().errors[0].message).toContain('lone UTF-16 surrogate (U+D800) at offset 1');

  const key = await post('{"project": "p", "base_config": {"fixture": "noop", "k\\udc00": 1}, "sweep_configuration": {"n": {"sweep": true, "values": [1]}}}', 'application/json');
  expect(key.statusCode).toBe(400);
  expect(key.json().errors[0].path).toBe('jobs[0].config.<key "k\\udc00">');
  expect(await h.prisma.sweep.count()).toBe(0);
});

test('a NUL in the name query parameter is refused the same way; well-formed text (astral characters) is stored', async () => {
  const source = 'project: p\nbase_config: {fixture: noop, emoji: "🧪"}\nsweep_configuration:\n  n: {sweep: true, values: [1]}\n';
  const nul = await post(source, 'application/yaml', `/sweeps?kind=train&name=${encodeURIComponent('a\u0000')}`);
  expect(nul.statusCode).toBe(400);
  expect(nul.json().errors[0].path).toBe('name');
  const ok = await post(source, 'application/yaml', '/sweeps?kind=train&name=%F0%9F%A7%AA-sweep');
  expect(ok.statusCode).toBe(201);
  expect(ok.json().name).toBe('🧪-sweep');
});
