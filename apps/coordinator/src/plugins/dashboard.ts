/**
 * The web dashboard at `/` (same port as the API): the built single-page app from apps/dashboard. Its pages
 * live in the URL fragment (`/#/sweeps/<id>`), so no page path can shadow an API route.
 */
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { dashboardBuilt, dashboardDistDir } from '@dgm-ood/dashboard';

export const dashboardPlugin = fp(
  async (app) => {
    if (!dashboardBuilt()) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .send(`The dashboard is not built (${dashboardDistDir} is empty): run \`pnpm dashboard:build\` (scripts/setup.sh does), then reload.\nThe REST API is served as usual; its documentation is at /docs.\n`),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root: dashboardDistDir,
      prefix: '/',
      wildcard: false, // one route per built file: never a catch-all next to the API
      index: ['index.html'],
      cacheControl: true,
      maxAge: 0,
      schemaHide: true,
    });
  },
  { name: 'dgm-ood-dashboard' },
);
