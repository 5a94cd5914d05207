import { readCheckpoint, restoreModel } from '@dgm-ood/models';
import { buildFlowModel, type BuildOptions } from './build.js';
import { FlowError } from './errors.js';
import { flowFamily } from './family.js';
import type { FlowModel } from './model.js';

/**
 * A flow from a checkpoint folder (`<dir>/<name>.json`), in the weights the checkpoint says OOD methods use:
 * for tools and benchmarks that need the FlowModel itself rather than its capabilities.
 */
export async function loadFlowModel(dir: string, name = 'best_valid', opts: BuildOptions = {}): Promise<FlowModel> {
  const ckpt = await readCheckpoint(dir, name);
  if (!ckpt) throw new FlowError('FLOWS_CHECKPOINT_INVALID', `no checkpoint ${name} in ${dir}`, { dir, name });
  if (ckpt.manifest.family !== flowFamily.name) {
    throw new FlowError('FLOWS_CHECKPOINT_INVALID', `${ckpt.manifestPath}: a ${ckpt.manifest.family} checkpoint, not a flow`, { path: ckpt.manifestPath });
  }
  const model = buildFlowModel(flowFamily.validateSpec(ckpt.manifest.spec, `${ckpt.manifestPath}#spec`), opts);
  restoreModel(model, ckpt, ckpt.manifest.weights);
  return model;
}
