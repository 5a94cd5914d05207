/** The tensor side of the flow family (loaded on first use by family.ts). */
import * as tf from '@tensorflow/tfjs';
import type { JsonValue, ModelCapabilities, TrainingObjective } from '@dgm-ood/models';
import { describeArchitecture } from './architecture.js';
import { invertDataTransform } from './data-transform.js';
import { flowJacobianEigen, flowJacobianSpectrum, flowLogLikelihood } from './lid-spectrum.js';
import { readFlowLikelihoodOptions } from './likelihood-options.js';
import type { FlowModel } from './model.js';
import { ActNorm } from './transforms/actnorm.js';
import { nllToBitsPerDim } from './units.js';

export { buildFlowModel } from './build.js';

/** Maximum likelihood: the loss is the mean NLL in nats; bits/dim is reported beside it. */
export function flowObjective(model: FlowModel): TrainingObjective {
  const dequantize = model.spec.dataTransform.dequantize;
  return {
    lossName: 'nll',
    loss: (images, { training, seed }) => model.loss(images, { training, seed }),
    // ActNorm initialises from the first training batch it sees (as the reference does): let it see the whole
    // batch, so the initialisation does not depend on micro-batching.
    beforeFirstStep: (images, { seed }) => {
      if (model.modules().some((m) => m instanceof ActNorm && !m.initialized)) tf.dispose(model.logProb(images, { training: true, seed }));
    },
    metrics: (loss) => ({ bits_per_dim: nllToBitsPerDim(loss, model.dim, { dequantize }) }),
  };
}

export async function flowCapabilities(model: FlowModel): Promise<ModelCapabilities> {
  await model.prepareInverse();
  return {
    logLikelihood: async (images, seed, options) => Float64Array.from(await flowLogLikelihood(model, images, seed, readFlowLikelihoodOptions(options, 'ood.method_args.likelihood'))),
    sample: (n, seed) => model.sample(n, { seed, batchSize: 100 }),
    jacobianSpectrum: (image, seed) => flowJacobianSpectrum(model, image, seed),
    jacobianEigen: (image, seed) => flowJacobianEigen(model, image, seed),
    reconstruct: async (images, seed) =>
      tf.tidy(() => {
        const { z } = model.encode(model.preprocess(images, { seed }));
        return invertDataTransform(model.decode(z).x, model.spec.dataTransform) as tf.Tensor4D;
      }),
    score: async (images, seed) =>
      tf.tidy(() => {
        const xt = model.preprocess(images, { seed });
        return tf.grad((x: tf.Tensor) => tf.sum(model.flow.logProb(x)))(xt) as tf.Tensor4D;
      }),
  };
}

export function describeFlow(model: FlowModel): JsonValue {
  return { parameters: model.numParameters(), levels: describeArchitecture(model) as unknown as JsonValue };
}

/** A reference PyTorch checkpoint as a flow model (the family's importTorch). */
export async function importFlowTorch(checkpoint: string, modelConfig: JsonValue, configSource?: string): Promise<{ model: FlowModel; report: JsonValue }> {
  const { importFlowCheckpoint } = await import('./import-torch.js');
  const { model, report } = await importFlowCheckpoint({ checkpoint, config: modelConfig, ...(configSource ? { configSource } : {}) });
  return { model, report: JSON.parse(JSON.stringify(report)) as JsonValue };
}
