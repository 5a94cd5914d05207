/**
 * The LID and score estimators on a trained diffusion model: points are the raw images' model-space x̃
 * (dequantized with a seed, scaled), the score is the network's output / σ(t) (docs/diffusion.md §10).
 */
import * as tf from '@tensorflow/tfjs';
import { deriveSeed } from '@dgm-ood/engine/rng';
import type { FlipdSettings, NormalBundleSettings } from '@dgm-ood/models';
import { scoreAt } from '../likelihood.js';
import type { DiffusionModel } from '../model.js';
import { flipdTerms } from './flipd.js';
import { normalBundleSpectra } from './normal-bundle.js';

/** FLIPD per image; image i's probes are seeded from (seed, i). */
export async function modelFlipd(model: DiffusionModel, images: tf.Tensor4D, seed: number, settings: FlipdSettings): Promise<Float64Array> {
  const x = model.preprocess(images, { seed: deriveSeed(seed, 0xf1) });
  try {
    const probeSeeds = Array.from({ length: images.shape[0] }, (_, i) => deriveSeed(seed, 0xf2, i));
    const trace = settings.trace === 'exact' ? 'exact' : { hutchinson: settings.trace.hutchinson, seed };
    const terms = await flipdTerms(model.sde, (y, t) => scoreAt(model.sde, model.network, t)(y), x, settings.t0, trace, trace === 'exact' ? null : probeSeeds, await model.passRows('vjp'));
    return terms.lid;
  } finally {
    x.dispose();
  }
}

/** The normal-bundle singular values of one image (descending). */
export async function modelNormalBundleSpectrum(model: DiffusionModel, image: tf.Tensor4D, seed: number, settings: NormalBundleSettings): Promise<Float64Array> {
  const x = model.preprocess(image, { seed: deriveSeed(seed, 0xb1) });
  try {
    const [spectrum] = await normalBundleSpectra(model.sde, (y, t) => scoreAt(model.sde, model.network, t)(y), x, {
      t0: settings.t0,
      numScores: settings.numScores,
      chunk: Math.min(settings.chunk, await model.passRows('forward')),
      seed: deriveSeed(seed, 0xb2),
    });
    return spectrum!;
  } finally {
    x.dispose();
  }
}

/** ‖s(x̃, t)‖ per image. */
export async function modelScoreNorm(model: DiffusionModel, images: tf.Tensor4D, seed: number, t: number): Promise<Float64Array> {
  const norms = tf.tidy(() => {
    const x = model.preprocess(images, { seed: deriveSeed(seed, 0x5c) });
    const s = scoreAt(model.sde, model.network, t)(x);
    return tf.sqrt(tf.sum(tf.square(tf.reshape(s, [images.shape[0], -1])), 1));
  });
  const out = Float64Array.from(await norms.data());
  norms.dispose();
  return out;
}
