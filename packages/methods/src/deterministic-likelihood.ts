import type * as tf from '@tensorflow/tfjs';
import type { ConfigReader } from '@dgm-ood/jobs';
import type { LoadedModel } from '@dgm-ood/models';

/**
 * How the likelihood baselines (input complexity, likelihood ratio) scale a flow's input without noise: `midpoint`
 * (ours: each pixel at the centre of its dequantization bin) or `off` (x/255, the reference's, for parity).
 */
export type InputScaling = 'midpoint' | 'off';

export function readInputScaling(args: ConfigReader): InputScaling {
  return args.oneOf('dequantization', ['midpoint', 'off'] as const, 'midpoint');
}

/** log p (nats) of one image [1, H, W, C] on a deterministic input: no dequantization noise, no background augmentation. */
export async function deterministicLogLikelihood(model: LoadedModel, image: tf.Tensor4D, seed: number, scaling: InputScaling): Promise<number> {
  const [ll] = await model.capabilities.logLikelihood!(image, seed, { dequantization: scaling, background_augmentation: false });
  return ll!;
}
