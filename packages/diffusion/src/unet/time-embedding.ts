import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@dgm-ood/engine/rng';
import { Module } from '@dgm-ood/engine/module';
import { Linear, silu } from './layers.js';

/** Frequencies of diffusers' `get_timestep_embedding` (max_period 10000): exp(−ln(10⁴)·k/(half − shift)), k < half. */
export function timestepFrequencies(dim: number, freqShift: number): Float32Array {
  const half = dim / 2;
  return Float32Array.from({ length: half }, (_, k) => Math.exp((-Math.log(10000) * k) / (half - freqShift)));
}

/**
 * diffusers' `Timesteps` projection: t [B] → [B, dim] = [sin(t·f), cos(t·f)], or [cos, sin] with flipSinToCos.
 * t is used as given (raw times, no ×1000).
 */
export function sinusoidalEmbedding(t: tf.Tensor1D, dim: number, flipSinToCos: boolean, freqShift: number): tf.Tensor2D {
  return tf.tidy(() => {
    const arg = tf.mul(tf.reshape(t, [-1, 1]), tf.tensor2d(timestepFrequencies(dim, freqShift), [1, dim / 2]));
    const parts = flipSinToCos ? [tf.cos(arg), tf.sin(arg)] : [tf.sin(arg), tf.cos(arg)];
    return tf.concat(parts, 1) as tf.Tensor2D;
  });
}

/** diffusers' `TimestepEmbedding`: linear_1 (dim → embed) → SiLU → linear_2 (embed → embed). */
export class TimestepEmbedding extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;

  constructor(inDim: number, embedDim: number, rng: Rng) {
    super();
    this.linear1 = this.addChild('linear_1', new Linear(inDim, embedDim, rng));
    this.linear2 = this.addChild('linear_2', new Linear(embedDim, embedDim, rng));
  }

  apply(projection: tf.Tensor2D): tf.Tensor2D {
    return this.linear2.apply(silu(this.linear1.apply(projection)) as tf.Tensor2D);
  }
}
