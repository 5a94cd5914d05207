import * as tf from '@tensorflow/tfjs';
import type { CustomGradFunc } from './custom-grad.js';


/**
 * σ(x) with its gradient dy·σ(x)·(1 − σ(x)) recomputed from the saved input. Same values and first-order gradient as
 * tf.sigmoid; unlike tf.sigmoid (whose gradient uses its saved output, whose dependence on x an enclosing tape
 * loses), its gradient is itself differentiable: second derivatives through it are right.
 */
export const sigmoid = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  save([x]);
  return {
    value: tf.sigmoid(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const s = tf.sigmoid(saved[0]!);
      return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
    },
  };
}) as unknown as CustomGradFunc) as unknown as (x: tf.Tensor) => tf.Tensor;
