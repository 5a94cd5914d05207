import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const META = 'project: p\nbase_config: {fixture: noop}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2, 3]}\n';
const post = (key: string | undefined, payload = META) =>
  h.app.inject({
    method: 'POST', url: '/sweeps?kind=train&name=idem',
    headers: { 'content-type': 'application/yaml', ...(key ? { 'idempotency-key': key } : {}) }, payload,
  });
const sweepsWithKey = async (key: string) => Number((await h.pool.query('SELECT count(*) FROM sweeps WHERE idempotency_key = $1', [key])).rows[0].count);

// Named failure fixture: the coordinator committed the sweep and died before answering; the client retries.
test('a retried POST with the same Idempotency-Key returns the first sweep (200, replayed) and stores nothing new', async () => {
  const key = randomUUID();
  const first = await post(key);
  expect(first.statusCode).toBe(201);
  const again = await post(key);
  expect(again.statusCode).toBe(200);
  expect(again.headers['idempotent-replayed']).toBe('true');
  expect(again.json()).toMatchObject({ id: first.json().id, name: 'idem', kind: 'train', jobCount: 3, replayed: true });
  expect(await sweepsWithKey(key)).toBe(1);
  expect(Number((await h.pool.query('SELECT count(*) FROM jobs WHERE sweep_id = $1', [first.json().id])).rows[0].count)).toBe(3);
  // Without a key, every POST is a new sweep (as before).
  const [a, b] = [await post(undefined), await post(undefined)];
  expect(a.json().id).not.toBe(b.json().id);
});

test('the same key with a different request is a 422 naming the sweep it created', async () => {
  const key = randomUUID();
  const first = await post(key);
  const other = await post(key, META.replace('[1, 2, 3]', '[4]'));
  expect(other.statusCode).toBe(422);
  expect(other.json()).toMatchObject({ code: 'DGM_IDEMPOTENCY_KEY_REUSED' });
  expect(other.json().message).toContain(first.json().id);
});

test('concurrent POSTs with one key create one sweep, and every answer names it', async () => {
  const key = randomUUID();
  const answers = await Promise.all(Array.from({ length: 4 }, () => post(key)));
  expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 200, 200, 201]);
  expect(new Set(answers.map((a) => a.json().id)).size).toBe(1);
  expect(await sweepsWithKey(key)).toBe(1);
});

test('a malformed key is a 400', async () => {
  const response = await post('has spaces in it');
  expect(response.statusCode).toBe(400);
  expect(response.json().message).toContain('Idempotency-Key');
});
