import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';

/** A differentiable map of tensors, built from tfjs ops (no `dataSync`, no `tf.keep`). */
export type TensorFn = (x: tf.Tensor) => tf.Tensor;

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The shape of f(x), by one forward pass whose tensors are freed at once. */
export function outputShape(f: TensorFn, x: tf.Tensor): number[] {
  return tf.tidy(() => f(x).shape);
}

/**
 * uᵀ·∂f/∂x at x (one reverse pass), shaped like x. `u` must be shaped like f(x) — checked, because
 * tf.mul would broadcast a wrong shape silently.
 *
 * Batched use: when f maps a batch [B, …] to [B, …] with samples that do not interact (no batch
 * norm across samples), row b of the result is u_bᵀ·∂f_b/∂x_b, so this computes B per-sample VJPs in
 * one pass.
 */
export function vjp(f: TensorFn, x: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.grad((xx: tf.Tensor) => {
      const y = f(xx);
      if (!sameShape(y.shape, u.shape)) {
        throw invalidArgument('vjp', `cotangent shape [${u.shape}] differs from the output shape [${y.shape}]`);
      }
      return tf.sum(tf.mul(y, u));
    })(x),
  );
}

/** f(x) and uᵀ·∂f/∂x from the same forward pass. */
export function valueAndVjp(f: TensorFn, x: tf.Tensor, u: tf.Tensor): { value: tf.Tensor; vjp: tf.Tensor } {
  let value: tf.Tensor | undefined;
  const g = tf.tidy(() =>
    tf.grad((xx: tf.Tensor) => {
      const y = f(xx);
      if (!sameShape(y.shape, u.shape)) {
        throw invalidArgument('valueAndVjp', `cotangent shape [${u.shape}] differs from the output shape [${y.shape}]`);
      }
      value = tf.keep(y);
      return tf.sum(tf.mul(y, u));
    })(x),
  );
  return { value: value!, vjp: g };
}

/**
 * ∂f_b/∂x_b for a per-sample scalar function f: [B, …] → [B] (e.g. a log-likelihood), one reverse
 * pass for the whole batch. Samples must not interact inside f.
 */
export function perSampleGradient(f: TensorFn, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.grad((xx: tf.Tensor) => {
      const y = f(xx);
      if (y.rank !== 1 || y.shape[0] !== x.shape[0]) {
        throw invalidArgument('perSampleGradient', `f must return one value per sample, shape [${x.shape[0]}]; got [${y.shape}]`);
      }
      return tf.sum(y);
    })(x),
  );
}

/**
 * Repeats each sample of x k times along the batch axis, copies of the same sample adjacent:
 * [B, …] → [B·k, …] with row b·k + i = x[b].
 */
export function repeatSamples(x: tf.Tensor, k: number): tf.Tensor {
  return tf.tidy(() => {
    const [b, ...rest] = x.shape;
    const expanded = tf.reshape(x, [b!, 1, ...rest]);
    return tf.reshape(tf.tile(expanded, [1, k, ...rest.map(() => 1)]), [b! * k, ...rest]);
  });
}

export interface ChunkOptions {
  /** Largest number of rows (copies of samples) in one forward/backward pass. Default 1024. */
  chunkRows?: number;
}

/**
 * Computes a [B, K, …] result in chunks along axis 1: `chunk(k0, kc)` returns the [B, kc, …] slice for
 * k = k0…k0+kc−1 (inside a tidy), with kc chosen so that B·kc ≤ `chunkRows` (at least 1); the slices are
 * concatenated. Shared by the many-VJP/JVP and Jacobian builders, whose passes repeat each sample kc times.
 */
export function concatChunks(b: number, k: number, options: ChunkOptions, chunk: (k0: number, kc: number) => tf.Tensor): tf.Tensor {
  const perChunk = Math.max(1, Math.floor((options.chunkRows ?? 1024) / b));
  const parts: tf.Tensor[] = [];
  try {
    for (let k0 = 0; k0 < k; k0 += perChunk) {
      const kc = Math.min(perChunk, k - k0);
      parts.push(tf.tidy(() => chunk(k0, kc)));
    }
    return parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
  } finally {
    if (parts.length > 1) tf.dispose(parts);
  }
}

/**
 * Several VJPs per sample: us [B, K, …outShape] → [B, K, …inShape] with result[b,k] = us[b,k]ᵀ·∂f_b/∂x_b.
 * Each sample is repeated K times so that one reverse pass serves K cotangents (chunked over K so that
 * no pass exceeds `chunkRows` rows). f must be batch-independent.
 */
export function vjpMany(f: TensorFn, x: tf.Tensor, us: tf.Tensor, options: ChunkOptions = {}): tf.Tensor {
  const b = x.shape[0]!;
  if (us.shape[0] !== b) throw invalidArgument('vjpMany', `cotangents must be [B=${b}, K, …]; got [${us.shape}]`);
  const k = us.shape[1]!;
  const outRest = us.shape.slice(2);
  const inRest = x.shape.slice(1);
  return concatChunks(b, k, options, (k0, kc) => {
    const u = tf.reshape(tf.slice(us, [0, k0], [b, kc]), [b * kc, ...outRest]);
    return tf.reshape(vjp(f, repeatSamples(x, kc), u), [b, kc, ...inRest]);
  });
}
