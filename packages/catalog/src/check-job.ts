import { configProblemOf, isDict, type ConfigProblem, type JobKind, type JsonValue } from '@dgm-ood/jobs';
import { checkOodConfig } from '@dgm-ood/methods/handler';
import { checkTrainingConfig } from '@dgm-ood/training/handler';
import { families, methods } from './index.js';

/** The model section of the training job a `{sweep, job}` reference points at (undefined when unknown). */
export type ModelConfigLookup = (referencePath: string) => JsonValue | undefined;

export interface JobCheck {
  problems: ConfigProblem[];
  /** What the job will run, for summaries: the family and, for OOD jobs, the method. */
  family?: string;
  method?: string;
}

/**
 * Runs a job's concrete config through the same plan readers the worker uses, with the families and methods
 * this deployment registered: every problem located by its config path. For an OOD job whose `base_model`
 * is a reference to a training job, `modelConfigOf` gives that job's config so the model's family is known
 * and a method it cannot serve is caught here.
 */
export function checkJobConfig(kind: JobKind, config: JsonValue, modelConfigOf?: ModelConfigLookup): JobCheck {
  if (kind === 'train') {
    try {
      const { family } = checkTrainingConfig(config, families);
      return { problems: [], family: family.name };
    } catch (error) {
      return { problems: [configProblemOf(error)] };
    }
  }
  const trainingConfig = modelConfigOf?.('base_model');
  const family = isDict(trainingConfig) ? families.find(trainingConfig.model) : undefined;
  const result = checkOodConfig(config, methods, family);
  if (!result.ok) return { problems: result.problems, ...(family ? { family: family.name } : {}) };
  return { problems: [], method: result.checked.method.id, ...(family ? { family: family.name } : {}) };
}
