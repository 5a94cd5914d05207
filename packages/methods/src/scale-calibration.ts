import type * as tf from '@tensorflow/tfjs';
import type { ImageArray } from '@dgm-ood/data';
import type { LidAtScale } from '@dgm-ood/lid';
import type { CalibrationContext } from './contract.js';

/**
 * The model-free dimension a LID scale is calibrated to: the config's number, or the LPCA dimension of the
 * in-distribution training images (docs/reference-notes.md §3.2). Shared by the flow and diffusion LID methods.
 */
export async function modelFreeTarget(target: number | 'lpca', lpcaPoints: number, train: ImageArray, ctx: CalibrationContext): Promise<{ dimension: number; source: string }> {
  if (target !== 'lpca') return { dimension: target, source: 'config' };
  await ctx.progress(`LPCA dimension of ${ctx.inDistribution} (${lpcaPoints} images)`);
  const { lpcaTarget } = await import('./lpca-target.js');
  const lpca = await lpcaTarget(train, lpcaPoints);
  return { dimension: lpca.dimension, source: `lpca(${lpca.rows} ${ctx.inDistribution} training images, alpha 0.001)` };
}

/** One expensive computation per each of the first n training images (their LID as a function of the scale, or any other per-image summary). */
export async function calibrationCurves<T = LidAtScale>(
  train: ImageArray,
  n: number,
  ctx: CalibrationContext,
  seedOf: (index: number) => number,
  curveOf: (image: tf.Tensor4D, seed: number) => Promise<T>,
  what: string,
): Promise<T[]> {
  const { imageAt } = await import('./images.js');
  const count = Math.min(n, train.shape[0]);
  const curves: T[] = [];
  for (let i = 0; i < count; i++) {
    if (ctx.signal.aborted) throw new Error(`stopped during calibration: ${String(ctx.signal.reason)}`);
    const image = imageAt(train, i);
    try {
      curves.push(await curveOf(image, seedOf(i)));
    } finally {
      image.dispose();
    }
    await ctx.progress(`calibration ${what} ${i + 1}/${count}`);
  }
  return curves;
}
