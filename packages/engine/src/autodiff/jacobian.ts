import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';
import { concatChunks, outputShape, repeatSamples, vjp, type ChunkOptions, type TensorFn } from './vjp.js';

/**
 * Full Jacobians of a batch-independent f at every sample: x [B, …in] → [B, M, D], M and D the sizes
 * of one sample's output and input. Row m of sample b is e_mᵀ·∂f_b/∂x_b: M VJPs per sample, computed
 * for many (sample, m) pairs per reverse pass (each sample repeated, chunked so that a pass holds at
 * most `chunkRows` rows). Exact up to float32 rounding; meant for small M (flow Jacobians at D ≤ a few
 * thousand per point, in chunks).
 */
export function batchJacobian(f: TensorFn, x: tf.Tensor, options: ChunkOptions = {}): tf.Tensor3D {
  if (x.rank < 2) throw invalidArgument('batchJacobian', `x must have a batch axis, got shape [${x.shape}]`);
  const b = x.shape[0]!;
  const d = x.size / b;
  const outRest = outputShape(f, x).slice(1);
  const m = outRest.reduce((p, q) => p * q, 1);
  return concatChunks(b, m, options, (m0, mc) => {
    // Cotangent of copy (b, i) is the unit vector e_{m0+i}: rows m0…m0+mc−1 of the identity.
    const rows = tf.oneHot(tf.range(m0, m0 + mc, 1, 'int32'), m); // [mc, M]
    const u = tf.reshape(tf.tile(tf.expandDims(rows, 0), [b, 1, 1]), [b * mc, ...outRest]);
    return tf.reshape(vjp(f, repeatSamples(x, mc), u), [b, mc, d]);
  }) as tf.Tensor3D;
}

/** The Jacobian [M, D] of f at one point x (no batch axis); f must accept a batch [N, …x.shape]. */
export function jacobian(f: TensorFn, x: tf.Tensor, options: ChunkOptions = {}): tf.Tensor2D {
  return tf.tidy(() => tf.squeeze(batchJacobian(f, tf.expandDims(x, 0), options), [0]) as tf.Tensor2D);
}
