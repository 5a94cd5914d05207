import * as tf from '@tensorflow/tfjs';
import type { CustomGradFunc } from './custom-grad.js';
import { outerTapeRecording } from './elementwise.js';

/**
 * eˣ whose gradient is itself differentiable. tf.exp's gradient is dy·(saved output), and an enclosing tape loses
 * that output's dependence on x (as with tf.sigmoid), so second derivatives through it are wrong. Here, where a tape
 * records the gradient, it is dy·eˣ recomputed from the saved input; otherwise dy·(saved output), as tf.exp's.
 */
export const exp = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  const y = tf.exp(x);
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, outerTapeRecording() ? tf.exp(saved[0]!) : saved[1]!),
  };
}) as unknown as CustomGradFunc) as unknown as (x: tf.Tensor) => tf.Tensor;
