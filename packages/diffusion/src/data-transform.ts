/**
 * The diffusion data transform (docs/diffusion.md §2): raw pixels x ∈ [dataMin, dataMax] →
 * x̃ = 2·(x + u − dataMin)/(range + deq) − 1 ∈ [−1, 1), u ~ U[0,1) when dequantizing (deq = 1), else u = 0,
 * deq = 0. The inverse multiplies back and floors when dequantizing; samples are clamped on request.
 */
import * as tf from '@tensorflow/tfjs';
import type { DiffusionDataTransform } from './spec.js';

export interface TransformOptions {
  /** Seed of the dequantization noise. */
  seed: number;
  /** Turn dequantization off for this call (methods that score the plain pixels). */
  dequantize?: boolean;
}

const range = (t: DiffusionDataTransform, deq: boolean) => t.dataMax - t.dataMin + (deq ? 1 : 0);

export function applyDataTransform(x: tf.Tensor, t: DiffusionDataTransform, opts: TransformOptions): tf.Tensor {
  const deq = opts.dequantize ?? t.dequantize;
  return tf.tidy(() => {
    let y = tf.sub(tf.cast(x, 'float32'), t.dataMin);
    if (deq) y = tf.add(y, tf.randomUniform(x.shape, 0, 1, 'float32', opts.seed));
    return tf.sub(tf.mul(y, 2 / range(t, deq)), 1);
  });
}

/**
 * The transform of host pixel values with given dequantization noise (`noise` null: none), into `out`: for
 * methods that draw each copy's noise themselves, so that a value never depends on how copies are batched.
 */
export function transformHost(pixels: ArrayLike<number>, noise: ArrayLike<number> | null, t: DiffusionDataTransform, out: Float32Array): Float32Array {
  const scale = 2 / range(t, noise !== null);
  for (let i = 0; i < pixels.length; i++) out[i] = (pixels[i]! - t.dataMin + (noise ? noise[i]! : 0)) * scale - 1;
  return out;
}

/**
 * Model space → raw pixels. With dequantization the forward map sends the pixel value k to [k, k+1)·2/256 − 1,
 * so the inverse floors (and the result is an integer pixel value).
 */
export function invertDataTransform(y: tf.Tensor, t: DiffusionDataTransform): tf.Tensor {
  return tf.tidy(() => {
    let x = tf.add(tf.mul(tf.add(y, 1), range(t, t.dequantize) / 2), t.dataMin);
    if (t.dequantize) x = tf.floor(x);
    if (t.clampSamples) x = tf.clipByValue(x, t.dataMin, t.dataMax);
    return x;
  });
}
