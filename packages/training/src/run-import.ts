import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { initEngine } from '@dgm-ood/engine';
import { DeterministicJobError, objectLogger, type JobContext, type JsonValue } from '@dgm-ood/jobs';
import { saveCheckpoint, type AnyModelFamily } from '@dgm-ood/models';

/**
 * Imports the job's uploaded PyTorch file with its family's importer and saves the weights as this job's
 * `best_valid` (and `latest`) checkpoint, as artifacts: the job then stands for the model like a finished run.
 */
export async function runImport(ctx: JobContext, family: AnyModelFamily, artifact: string): Promise<JsonValue> {
  await initEngine({ logger: objectLogger(ctx.log, 'engine') });
  const file = join(ctx.workdir, artifact);
  if (!existsSync(file)) throw new DeterministicJobError(`config imported.checkpoint: the uploaded file ${artifact} is not among the job's artifacts (looked for ${file})`);
  await ctx.progress({ message: `importing ${artifact} as a ${family.name} model` });
  const config = ctx.job.config as { model: JsonValue };
  const { model, report } = await family.importTorch!(file, config.model, {});
  try {
    const dir = join(ctx.workdir, 'checkpoints');
    const summary: Record<string, JsonValue> = { family: family.name, imported: report, parameters: model.numParameters(), weights: 'raw' };
    for (const name of ['best_valid', 'latest']) {
      const saved = await saveCheckpoint(dir, name, { family: family.name, familyFormat: family.formatVersion, model, weights: 'raw', trainer: { imported: report } });
      for (const path of [saved.blobPath, saved.manifestPath]) await ctx.artifacts.save(relative(ctx.workdir, path), 'checkpoint');
    }
    if (family.describe) summary.architecture = family.describe(model);
    await ctx.provenance({ family: family.name, imported: report });
    ctx.log.info(`imported ${artifact}: ${model.numParameters()} parameters`);
    return summary;
  } finally {
    model.dispose();
  }
}
