/**
 * The one `train` job handler, for every registered model family. This module loads no tensor library: the
 * worker and the coordinator import it; the training itself is imported when a job runs.
 */
import { DeterministicJobError, isDict, type JobHandler, type JsonValue } from '@dgm-ood/jobs';
import { getDataset } from '@dgm-ood/data';
import type { AnyModelFamily, FamilyRegistry } from '@dgm-ood/models';
import { readTrainingPlan, type TrainingPlan } from './training-plan.js';

/** Everything a worker would check before training: the plan, the family and its spec. Throws located errors. */
export function checkTrainingConfig(config: JsonValue, families: FamilyRegistry): { plan: TrainingPlan; family: AnyModelFamily } {
  const plan = readTrainingPlan(config);
  const family = families.forConfig(plan.model, 'model');
  const spec = family.readSpec(plan.model, { path: 'model', seed: plan.seed });
  checkImagesFitModel(plan, family.dataShape(spec));
  if (plan.testEvaluation) {
    if (!family.readTestEvaluation) {
      throw new DeterministicJobError(`config trainer.test_evaluation: the ${family.name} family has no test evaluation (its test loss is reported anyway)`);
    }
    plan.testEvaluation.settings = family.readTestEvaluation(plan.testEvaluation.settings, 'trainer.test_evaluation') as { [key: string]: JsonValue };
  }
  return { plan, family };
}

/**
 * The model's [C, H, W] against what the dataset gives (its channels; its size after `resize_image`), at
 * submission rather than hours later on a worker. Datasets whose shape depends on their files are not checked.
 */
function checkImagesFitModel(plan: TrainingPlan, [c, h, w]: [number, number, number]): void {
  const dataset = getDataset(plan.dataset);
  if (dataset.channels !== undefined && dataset.channels !== c) {
    throw new DeterministicJobError(`config data.dataset: ${plan.dataset} has ${dataset.channels}-channel images but the model expects ${c}-channel images (its data shape is ${c}×${h}×${w})`);
  }
  const size = plan.size ?? dataset.defaultSize;
  if (size !== undefined && (size[0] !== h || size[1] !== w)) {
    const where = plan.size ? 'data.additional_dataset_args.resize_image' : 'data.dataset';
    throw new DeterministicJobError(
      `config ${where}: ${plan.dataset} gives ${size[0]}×${size[1]} images${plan.size ? ' after resizing' : ''} but the model expects ${h}×${w} (its data shape is ${c}×${h}×${w}); set data.additional_dataset_args.resize_image: [${h}, ${w}]`,
    );
  }
}

export function createTrainHandler(families: FamilyRegistry): JobHandler {
  return {
    name: 'train',
    kind: 'train',
    // Imported models (`imported`) have their own handler: nothing to train.
    matches: (config) => isDict(config) && !isDict(config.imported) && families.find(config.model) !== undefined,
    async run(ctx) {
      const { plan, family } = checkTrainingConfig(ctx.job.config, families);
      const { runTraining } = await import('./run-training.js');
      return runTraining(ctx, plan, family);
    },
  };
}
export { createImportHandler, isImportConfig } from './import-handler.js';
