/**
 * The one `train` job handler, for every registered model family. This module loads no tensor library: the
 * worker and the coordinator import it; the training itself is imported when a job runs.
 */
import { DeterministicJobError, isDict, type JobHandler, type JsonValue } from '@dgm-ood/jobs';
import type { AnyModelFamily, FamilyRegistry } from '@dgm-ood/models';
import { readTrainingPlan, type TrainingPlan } from './training-plan.js';

/** Everything a worker would check before training: the plan, the family and its spec. Throws located errors. */
export function checkTrainingConfig(config: JsonValue, families: FamilyRegistry): { plan: TrainingPlan; family: AnyModelFamily } {
  const plan = readTrainingPlan(config);
  const family = families.forConfig(plan.model, 'model');
  family.readSpec(plan.model, { path: 'model', seed: plan.seed });
  if (plan.testEvaluation) {
    if (!family.readTestEvaluation) {
      throw new DeterministicJobError(`config trainer.test_evaluation: the ${family.name} family has no test evaluation (its test loss is reported anyway)`);
    }
    plan.testEvaluation.settings = family.readTestEvaluation(plan.testEvaluation.settings, 'trainer.test_evaluation') as { [key: string]: JsonValue };
  }
  return { plan, family };
}

export function createTrainHandler(families: FamilyRegistry): JobHandler {
  return {
    name: 'train',
    kind: 'train',
    matches: (config) => isDict(config) && families.find(config.model) !== undefined,
    async run(ctx) {
      const { plan, family } = checkTrainingConfig(ctx.job.config, families);
      const { runTraining } = await import('./run-training.js');
      return runTraining(ctx, plan, family);
    },
  };
}
