/** The `ood` job handlers of this package (loaded by workers through DEFAULT_HANDLER_MODULES). */
import type { JobHandler } from '@dgm-ood/jobs';
import { isOodConfig, readOodPlan } from './ood-plan.js';

export const oodHandler: JobHandler = {
  name: 'methods.ood',
  kind: 'ood',
  matches: isOodConfig,
  async run(ctx) {
    const plan = readOodPlan(ctx.job.config);
    // Heavy modules (tfjs, flows) load only in the process that runs the job.
    const { runOod } = await import('./run-ood.js');
    return runOod(ctx, plan);
  },
};

export const handlers: JobHandler[] = [oodHandler];
