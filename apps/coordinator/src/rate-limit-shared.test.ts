/** Rate-limit counts live in Redis: coordinators of one deployment (one queue prefix) share them, a restart keeps them. */
import { randomBytes } from 'node:crypto';
import { afterAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

const harnesses: CoordinatorHarness[] = [];
afterAll(async () => {
  for (const h of harnesses.reverse()) await h.close();
});

const ALICE = 'alice-secret-0123456789abcdef';
const coordinator = async (queuePrefix: string) => {
  const h = await createCoordinatorHarness({ queuePrefix, apiTokens: [{ name: 'alice', secret: ALICE }], rateLimit: { max: 4, submitMax: 1, windowMs: 600_000 } });
  harnesses.push(h);
  return h;
};
const get = (h: CoordinatorHarness) => h.app.inject({ url: '/sweeps', headers: { authorization: `Bearer ${ALICE}` } });

test('two coordinators of one deployment share a token’s count; a restarted one keeps it; another deployment does not', async () => {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const [a, b] = [await coordinator(prefix), await coordinator(prefix)];
  expect((await get(a)).statusCode).toBe(200);
  expect((await get(b)).statusCode).toBe(200);
  expect((await get(a)).statusCode).toBe(200);
  await a.app.close(); // a restart: a new process, the same Redis
  const c = await coordinator(prefix);
  expect((await get(c)).statusCode).toBe(200);
  const refused = await get(b);
  expect(refused.statusCode).toBe(429);
  expect(refused.json().message).toMatch(/token 'alice' made more than 4 such requests/);
  const other = await coordinator(`t${randomBytes(5).toString('hex')}`);
  expect((await get(other)).statusCode).toBe(200);
});

test('while its Redis connection is down, requests pass unlimited instead of waiting; counting resumes when it is back', async () => {
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const h = await coordinator(prefix);
  // Only this coordinator's connection (other test files' coordinators share the Redis server).
  const list = (await h.redis.client('LIST')) as string;
  const ids = list.split('\n').filter((line) => line.includes(` name=dgm-ood-rate-limits:${prefix} `)).map((line) => /\bid=(\d+)/.exec(line)![1]!);
  expect(ids).toHaveLength(1);
  // Killed by the server: the connection retries in a second; requests meanwhile are not counted.
  for (const id of ids) await h.redis.client('KILL', 'ID', id);
  const started = Date.now();
  const during = [];
  for (let i = 0; i < 8; i++) during.push((await get(h)).statusCode);
  expect(Date.now() - started).toBeLessThan(900); // none waited for Redis
  expect(during).toEqual(Array(8).fill(200));
  // Back: counted again, so the limit (4) trips.
  await expect.poll(async () => (await get(h)).statusCode, { timeout: 5000, interval: 100 }).toBe(429);
});
