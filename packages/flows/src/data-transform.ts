import * as tf from '@tensorflow/tfjs';
import type { SeedStream } from './random.js';
import type { DataTransformSpec } from './spec.js';

export interface DataTransformCallOptions {
  /**
   * Override the spec's dequantization for this call: true/false, or 'midpoint', the deterministic centre of each
   * pixel's dequantization bin ((x + ½)/(m + 1)), which keeps inputs inside the range the model was trained on
   * (off scales by m instead, so a pixel of 255 lands on the logit's edge).
   */
  dequantize?: boolean | 'midpoint';
  /** Apply background augmentation if the spec has it (upstream applies it in evaluation too). Default true. */
  backgroundAugmentation?: boolean;
  /** Seeds for the noise; without them the draws are unseeded. */
  seeds?: SeedStream;
}

/**
 * Model-side preprocessing of raw pixels (docs/reference-notes.md §1.4), elementwise so layout-agnostic:
 * dequantize (x + U[0,1)) → scale (x / (m + deq), m = max(|min|, |max|)) → background augmentation.
 * The logit step is part of the flow, not of this function.
 */
export function applyDataTransform(x: tf.Tensor, spec: DataTransformSpec, opts: DataTransformCallOptions = {}): tf.Tensor {
  const dequantize = opts.dequantize ?? spec.dequantize;
  return tf.tidy(() => {
    let t = tf.cast(x, 'float32');
    if (dequantize === 'midpoint') t = tf.add(t, 0.5);
    else if (dequantize) t = tf.add(t, tf.randomUniform(t.shape, 0, 1, 'float32', opts.seeds?.next()));
    if (spec.scaleData) {
      const m = Math.max(Math.abs(spec.dataMin), Math.abs(spec.dataMax));
      t = tf.div(t, m + (dequantize ? 1 : 0));
    }
    const rho = spec.backgroundAugmentation;
    if (rho !== null && rho > 0 && (opts.backgroundAugmentation ?? true)) t = backgroundAugment(t, rho, spec.scaleData, opts.seeds);
    return t;
  });
}

/**
 * Each element is replaced with probability ρ by one of 256 evenly spaced values: spanning [batch min, batch max]
 * when the data max is ≤ 1 (scaled data), else {0,…,255}. Decided from the spec rather than by reading the
 * batch, so no synchronous device read is needed.
 */
function backgroundAugment(x: tf.Tensor, rho: number, scaled: boolean, seeds?: SeedStream): tf.Tensor {
  const replace = tf.step(tf.sub(rho, tf.randomUniform(x.shape, 0, 1, 'float32', seeds?.next())));
  const idx = tf.minimum(tf.floor(tf.mul(tf.randomUniform(x.shape, 0, 1, 'float32', seeds?.next()), 256)), 255);
  let values: tf.Tensor;
  if (scaled) {
    const lo = tf.min(x);
    const hi = tf.max(x);
    values = tf.add(lo, tf.mul(tf.sub(hi, lo), tf.div(idx, 255)));
  } else {
    values = idx;
  }
  return tf.add(tf.mul(replace, values), tf.mul(tf.sub(1, replace), x));
}

/**
 * Inverse data transform for samples: multiply by (m + 1) when dequantizing (m otherwise), then floor when
 * dequantizing, then clamp to [dataMin, dataMax] if clampSamples.
 */
export function invertDataTransform(xt: tf.Tensor, spec: DataTransformSpec): tf.Tensor {
  return tf.tidy(() => {
    let t = xt;
    if (spec.scaleData) {
      const m = Math.max(Math.abs(spec.dataMin), Math.abs(spec.dataMax));
      t = tf.mul(t, m + (spec.dequantize ? 1 : 0));
    }
    if (spec.dequantize) t = tf.floor(t);
    if (spec.clampSamples) t = tf.clipByValue(t, spec.dataMin, spec.dataMax);
    return t;
  });
}
