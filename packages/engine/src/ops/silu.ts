import * as tf from '@tensorflow/tfjs';
import type { CustomGradFunc } from './custom-grad.js';


/**
 * SiLU, x·σ(x), with its gradient written from the saved input: dy·σ(x)·(1 + x·(1 − σ(x))). tfjs's own autodiff of
 * x·σ(x) is right at first order but wrong at second order (its Sigmoid gradient uses the saved output, whose
 * dependence on x an enclosing tape loses: a Hessian-vector product through it misses terms, checked against
 * finite differences in second-order.test.ts); recomputing σ(x) from x keeps the gradient itself differentiable.
 */
export const silu = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  save([x]);
  return {
    value: tf.mul(x, tf.sigmoid(x)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => siluVjp(dy, saved[0]!),
  };
}) as unknown as CustomGradFunc) as unknown as (x: tf.Tensor) => tf.Tensor;

/** dy·silu'(x) in differentiable tfjs ops. */
export function siluVjp(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const s = tf.sigmoid(x);
  return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(x, tf.sub(1, s)))));
}
