import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCoordinatorHarness, type CoordinatorHarness } from './testing/harness.js';

// Auth off (the loopback default): the Host and Origin checks hold all the same.
let h: CoordinatorHarness;
beforeAll(async () => {
  h = await createCoordinatorHarness();
});
afterAll(async () => {
  await h?.close();
});

const META = 'project: f\nbase_config: {fixture: noop, trainer: {}}\nsweep_configuration:\n  seed: {sweep: true, values: [1]}\n';

test('a cross-origin request (a web page posting text/plain) is refused with 403 and nothing is stored', async () => {
  for (const origin of ['http://evil.example', 'null', 'http://localhost:9999', 'https://localhost']) {
    const response = await h.app.inject({
      method: 'POST', url: '/sweeps?kind=train', payload: META,
      headers: { host: 'localhost:8080', origin, 'content-type': 'text/plain' },
    });
    expect(response.statusCode, origin).toBe(403);
    expect(response.json().code).toBe('DGM_ORIGIN_FORBIDDEN');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  }
  expect(await h.prisma.sweep.count()).toBe(0);
  const sameOrigin = await h.app.inject({ url: '/sweeps', headers: { host: 'localhost:8080', origin: 'http://localhost:8080' } });
  expect(sameOrigin.statusCode).toBe(200);
});

test('a Host the coordinator does not answer to (DNS rebinding) is refused, /healthz included', async () => {
  for (const url of ['/sweeps', '/healthz', '/queues']) {
    const response = await h.app.inject({ url, headers: { host: 'evil.example:8080' } });
    expect(response.statusCode, url).toBe(421);
    expect(response.json().code).toBe('DGM_HOST_NOT_ALLOWED');
  }
  for (const host of ['localhost', '127.0.0.1:8080', '[::1]:8080', 'LOCALHOST:1']) {
    expect((await h.app.inject({ url: '/healthz', headers: { host } })).statusCode, host).toBe(200);
  }
});
