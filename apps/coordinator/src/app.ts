import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from '@dgm-ood/config';
import { authPlugin } from './plugins/auth.js';
import { dashboardPlugin } from './plugins/dashboard.js';
import { docsPlugin } from './plugins/docs.js';
import { errorsPlugin } from './plugins/errors.js';
import { liveUpdatesPlugin } from './plugins/live-updates.js';
import { metricsPlugin } from './plugins/metrics.js';
import { queueBoardPlugin } from './plugins/queue-board.js';
import { rateLimitsPlugin } from './plugins/rate-limits.js';
import { servicesPlugin, type Services } from './plugins/services.js';
import { submissionExpanderPlugin } from './plugins/submission-expander.js';
import { storageLifecyclePlugin } from './plugins/storage-lifecycle.js';
import { sweepEvaluatorPlugin } from './plugins/sweep-evaluator.js';
import { evaluationRoutes } from './routes/evaluation.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { importModelRoute } from './routes/import-model.js';
import { jobRoutes } from './routes/jobs.js';
import { resultRoutes } from './routes/results.js';
import { storageRoutes } from './routes/storage.js';
import { submitSweepRoute } from './routes/submit-sweep.js';
import { sweepDeleteRoute } from './routes/sweep-delete.js';
import { sweepRoutes } from './routes/sweeps.js';

export interface AppOptions {
  services: Services;
  logger?: Logger | false;
}

/** The coordinator as a Fastify instance (not listening): everything is a plugin. */
export async function buildApp(options: AppOptions) {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    bodyLimit: 16 * 1024 * 1024,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(errorsPlugin);
  await app.register(servicesPlugin, { services: options.services });
  await app.register(sweepEvaluatorPlugin);
  await app.register(storageLifecyclePlugin);
  await app.register(submissionExpanderPlugin);
  // Before every route. Rate limits hook each route, so they run after auth's hook for the app and see the token.
  await app.register(rateLimitsPlugin);
  await app.register(authPlugin); // its hooks guard every route
  await app.register(metricsPlugin);
  await app.register(docsPlugin);
  await app.register(healthRoutes);
  await app.register(submitSweepRoute);
  await app.register(importModelRoute);
  await app.register(sweepRoutes);
  await app.register(sweepDeleteRoute);
  await app.register(storageRoutes);
  await app.register(jobRoutes);
  await app.register(resultRoutes);
  await app.register(evaluationRoutes);
  await app.register(liveUpdatesPlugin);
  await app.register(eventRoutes);
  await app.register(queueBoardPlugin);
  await app.register(dashboardPlugin);
  return app;
}

export type CoordinatorApp = Awaited<ReturnType<typeof buildApp>>;
