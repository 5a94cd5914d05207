import * as tf from '@tensorflow/tfjs';
import type { CustomGradFunc } from './custom-grad.js';
import { reluGrad, standardNormalLogProbGradKernel, standardNormalLogProbKernel } from '../kernels/webgpu/elementwise-grads.js';
import { ownWebGpuKernelsActive } from '../kernels/webgpu/own-kernels-flag.js';


/** Whether a gradient being computed now is itself recorded by an enclosing tape (second order). */
export function outerTapeRecording(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0;
}

const fusedRelu = tf.customGrad(((x: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  save([x]);
  return {
    value: tf.relu(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (outerTapeRecording() ? tf.mul(dy, tf.step(saved[0]!)) : reluGrad(dy, saved[0]!)),
  };
}) as unknown as CustomGradFunc) as unknown as (x: tf.Tensor) => tf.Tensor;

/** max(x, 0): tf.relu, whose gradient is one dispatch on webgpu with the engine's own kernels (tfjs: Step and Mul). */
export function relu<T extends tf.Tensor>(x: T): T {
  return (ownWebGpuKernelsActive() && x.dtype === 'float32' ? fusedRelu(x) : tf.relu(x)) as T;
}

/** Σ over all axes but the first (per sample); a rank-1 tensor as it is. */
export function sumExceptBatch(t: tf.Tensor): tf.Tensor1D {
  const axes = Array.from({ length: t.rank - 1 }, (_, i) => i + 1);
  return (axes.length === 0 ? t : tf.sum(t, axes)) as tf.Tensor1D;
}

const LOG_2PI = Math.log(2 * Math.PI);

const fusedNormalLogProb = tf.customGrad(((z: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
  save([z]);
  return {
    value: standardNormalLogProbKernel(z),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const zs = saved[0]!;
      if (!outerTapeRecording()) return standardNormalLogProbGradKernel(dy as tf.Tensor1D, zs);
      return tf.neg(tf.mul(tf.reshape(dy, [dy.size, ...zs.shape.slice(1).map(() => 1)]), zs));
    },
  };
}) as unknown as CustomGradFunc) as unknown as (z: tf.Tensor) => tf.Tensor1D;

/**
 * log N(z; 0, I) per sample (all axes but the first): −½ Σ z² − ½ d ln 2π. One dispatch forward and one backward
 * on webgpu with the engine's own kernels; tfjs ops elsewhere.
 */
export function standardNormalLogProb(z: tf.Tensor): tf.Tensor1D {
  if (z.rank < 2) throw new RangeError(`standardNormalLogProb: expected [B, …] with at least one value axis, got [${z.shape.join(', ')}]`);
  if (ownWebGpuKernelsActive() && z.dtype === 'float32') return fusedNormalLogProb(z);
  const d = z.size / z.shape[0]!;
  return tf.tidy(() => tf.sub(tf.mul(-0.5, sumExceptBatch(tf.square(z))), 0.5 * d * LOG_2PI)) as tf.Tensor1D;
}
