/** The `train` job handlers of this package (loaded by workers through DEFAULT_HANDLER_MODULES). */
import type { JobHandler, JsonValue } from '@dgm-ood/jobs';
import { isFlowModel, readTrainingPlan } from './training-plan.js';

const section = (config: JsonValue, key: string): JsonValue | undefined =>
  config !== null && typeof config === 'object' && !Array.isArray(config) ? config[key] : undefined;

export const flowTrainHandler: JobHandler = {
  name: 'flows.train',
  kind: 'train',
  matches: (config) => isFlowModel(section(config, 'model')),
  async run(ctx) {
    const plan = readTrainingPlan(ctx.job.config);
    // Heavy modules (tfjs, flows) load only in the process that runs the job.
    const { runFlowTraining } = await import('./run-flow-training.js');
    return runFlowTraining(ctx, plan);
  },
};

export const handlers: JobHandler[] = [flowTrainHandler];
