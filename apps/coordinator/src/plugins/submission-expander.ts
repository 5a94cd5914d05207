/** `app.submissionExpander`: meta-configurations expanded in worker threads (expansion/submission-expander.ts), closed with the app. */
import fp from 'fastify-plugin';
import { SubmissionExpander } from '../expansion/submission-expander.js';

declare module 'fastify' {
  interface FastifyInstance {
    submissionExpander: SubmissionExpander;
  }
}

export const submissionExpanderPlugin = fp(
  async (app) => {
    const { expansionMaxSteps, expansionDeadlineMs } = app.services.config;
    const expander = new SubmissionExpander({ maxSteps: expansionMaxSteps, deadlineMs: expansionDeadlineMs });
    app.decorate('submissionExpander', expander);
    app.addHook('onClose', () => expander.close());
  },
  { name: 'dgm-ood-submission-expander', dependencies: ['dgm-ood-services'] },
);
