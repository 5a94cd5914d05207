/**
 * The `train` handler of imported models (`dgm-ood import`, POST /models/import): converts the uploaded PyTorch
 * checkpoint into our checkpoint format so that OOD jobs load it like a model trained here. This module loads no
 * tensor library; the conversion is imported when a job runs.
 */
import { DeterministicJobError, isDict, type JobHandler, type JsonValue } from '@dgm-ood/jobs';
import type { FamilyRegistry } from '@dgm-ood/models';

/** Whether a job config is an import (`{model, imported}`) rather than a training run. */
export function isImportConfig(config: JsonValue): boolean {
  return isDict(config) && isDict(config.imported);
}

export function createImportHandler(families: FamilyRegistry): JobHandler {
  return {
    name: 'import',
    kind: 'train',
    matches: isImportConfig,
    async run(ctx) {
      const config = ctx.job.config as { model: JsonValue; imported: { checkpoint?: unknown } };
      if (typeof config.imported.checkpoint !== 'string') throw new DeterministicJobError('config imported.checkpoint: expected the artifact name of the uploaded file');
      const family = families.forConfig(config.model, 'model');
      if (!family.importTorch) throw new DeterministicJobError(`config model: the ${family.name} family cannot import PyTorch checkpoints`);
      const { runImport } = await import('./run-import.js');
      return runImport(ctx, family, config.imported.checkpoint);
    },
  };
}
