import type * as tf from '@tensorflow/tfjs';

/**
 * What the sampling, likelihood and loss modules need from a network: ŝ(x, t) ≈ σ(t)·∇ₓ log p_t(x), the
 * reference's parametrisation (an ε-prediction with the sign flipped). x: NHWC [B, H, W, C] in the model's
 * data space ([−1, 1] for images); t: [B] raw times in [0, T] (not ×1000). Must be differentiable in x.
 */
export interface ScoreNetwork {
  apply(x: tf.Tensor4D, t: tf.Tensor1D, options?: { training?: boolean; seed?: number }): tf.Tensor4D;
}
