/** `app.sweepEvaluator`: AUC tables computed in a worker thread (evaluation/threaded-evaluator.ts), closed with the app. */
import fp from 'fastify-plugin';
import { ThreadedEvaluator, type SweepEvaluator } from '../evaluation/threaded-evaluator.js';

declare module 'fastify' {
  interface FastifyInstance {
    sweepEvaluator: SweepEvaluator;
  }
}

export const sweepEvaluatorPlugin = fp(
  async (app) => {
    const evaluator = new ThreadedEvaluator(app.services.config.databaseUrl);
    app.decorate('sweepEvaluator', evaluator);
    app.addHook('onClose', () => evaluator.close());
  },
  { name: 'dgm-ood-sweep-evaluator', dependencies: ['dgm-ood-services'] },
);
