import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';
import { concatChunks, outputShape, repeatSamples, sameShape, type ChunkOptions, type TensorFn } from './vjp.js';

/**
 * J·v at x, with J = ∂f/∂x, by differentiating a VJP (tfjs has reverse mode only): u ↦ Jᵀu is linear,
 * so ∇_u ⟨Jᵀu, v⟩ = J·v, at any u (zeros here). Costs about three forward passes. Works through every
 * op whose gradient is itself differentiable — conv2d on wasm included (the project's kernels); not
 * through `tf.logSigmoid` applied to an intermediate (use −softplus(−x)) or a customGrad that does
 * not `save()` its inputs.
 *
 * `outputShape` (the shape of f(x)) saves the forward pass that would otherwise find it. Batched use as
 * for `vjp`: for batch-independent f, row b is J_b·v_b.
 */
export function jvp(f: TensorFn, x: tf.Tensor, v: tf.Tensor, options: { outputShape?: number[] } = {}): tf.Tensor {
  if (!sameShape(x.shape, v.shape)) throw invalidArgument('jvp', `tangent shape [${v.shape}] differs from the input shape [${x.shape}]`);
  return tf.tidy(() => {
    const shape = options.outputShape ?? outputShape(f, x);
    const jt = (u: tf.Tensor) =>
      tf.grad((xx: tf.Tensor) => {
        const y = f(xx);
        if (!sameShape(y.shape, u.shape)) throw invalidArgument('jvp', `outputShape [${shape}] differs from f(x)'s shape [${y.shape}]`);
        return tf.sum(tf.mul(y, u));
      })(x);
    return tf.grad((u: tf.Tensor) => tf.sum(tf.mul(jt(u), v)))(tf.zeros(shape));
  });
}

/**
 * Several JVPs per sample: vs [B, K, …inShape] → [B, K, …outShape] with result[b,k] = J_b·vs[b,k].
 * Samples are repeated K times (chunked by `chunkRows`); f must be batch-independent.
 */
export function jvpMany(f: TensorFn, x: tf.Tensor, vs: tf.Tensor, options: ChunkOptions = {}): tf.Tensor {
  const b = x.shape[0]!;
  if (vs.shape[0] !== b || !sameShape(vs.shape.slice(2), x.shape.slice(1))) {
    throw invalidArgument('jvpMany', `tangents must be [B=${b}, K, ${x.shape.slice(1).join(', ')}]; got [${vs.shape}]`);
  }
  const k = vs.shape[1]!;
  const inRest = x.shape.slice(1);
  const outRest = outputShape(f, x).slice(1);
  return concatChunks(b, k, options, (k0, kc) => {
    const v = tf.reshape(tf.slice(vs, [0, k0], [b, kc]), [b * kc, ...inRest]);
    return tf.reshape(jvp(f, repeatSamples(x, kc), v, { outputShape: [b * kc, ...outRest] }), [b, kc, ...outRest]);
  });
}
