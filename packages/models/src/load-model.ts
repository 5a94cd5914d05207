import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyModelFamily, LoadedModel, TrainableModel } from './contract.js';
import { readCheckpoint, restoreModel, type LoadedCheckpoint, type WeightsKind } from './checkpoint.js';
import { ModelError } from './errors.js';
import type { FamilyRegistry } from './registry.js';

export interface LoadModelOptions {
  /** Checkpoints tried in order (default best_valid, then latest). */
  checkpoints?: readonly string[];
  /** Weights to load; default: what the checkpoint says OOD methods should use. */
  weights?: WeightsKind;
}

/** A checkpoint's family (from its manifest), a model built from its spec, and its weights restored. */
export async function restoreFromCheckpoint(
  checkpoint: LoadedCheckpoint,
  registry: FamilyRegistry,
  weights?: WeightsKind,
): Promise<{ family: AnyModelFamily; model: TrainableModel; weights: WeightsKind }> {
  const { manifest, manifestPath } = checkpoint;
  const family = registry.byFamilyName(manifest.family, manifestPath);
  if (manifest.familyFormat !== family.formatVersion) {
    throw new ModelError(
      'MODELS_CHECKPOINT_INVALID',
      `${manifestPath}: written in ${family.name} format ${manifest.familyFormat}; this version reads format ${family.formatVersion}`,
      { path: manifestPath },
    );
  }
  const spec = family.validateSpec(manifest.spec, `${manifestPath}#spec`);
  const model = await family.build(spec);
  const chosen = weights ?? manifest.weights;
  restoreModel(model, checkpoint, chosen);
  return { family, model, weights: chosen };
}

/**
 * Load a trained model from a job's working directory (`<dir>/checkpoints/<name>.json`) for OOD methods: the
 * family is picked from the checkpoint's manifest, not from any config.
 */
export async function loadModel(dir: string, registry: FamilyRegistry, options: LoadModelOptions = {}): Promise<LoadedModel> {
  const folder = join(dir, 'checkpoints');
  const names = options.checkpoints ?? ['best_valid', 'latest'];
  for (const name of names) {
    if (!existsSync(join(folder, `${name}.json`))) continue;
    const checkpoint = (await readCheckpoint(folder, name))!;
    const { family, model, weights } = await restoreFromCheckpoint(checkpoint, registry, options.weights);
    const capabilities = await family.capabilitiesOf(model);
    return {
      family: family.name,
      dataShape: family.dataShape(model.spec),
      capabilities,
      source: { checkpoint: name, weights, path: checkpoint.manifestPath, sha256: checkpoint.manifest.blob.sha256 },
      dispose: () => model.dispose(),
    };
  }
  throw new ModelError('MODELS_CHECKPOINT_MISSING', `no checkpoint (${names.join(' or ')}) in ${folder}`, { dir: folder });
}
