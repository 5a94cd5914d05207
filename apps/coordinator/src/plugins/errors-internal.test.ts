import Fastify from 'fastify';
import { expect, test } from 'vitest';
import { errorsPlugin } from './errors.js';

test("an unexpected error is a 500 'DGM_INTERNAL' that shows neither the driver's code nor its message", async () => {
  const app = Fastify();
  await app.register(errorsPlugin);
  app.get('/pg', async () => {
    throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
  });
  app.get('/plain', async () => {
    throw new Error('boom at /srv/app/secret.ts');
  });
  for (const url of ['/pg', '/plain']) {
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ code: 'DGM_INTERNAL', message: 'internal error' });
  }
  await app.close();
});
