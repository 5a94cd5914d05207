import * as tf from '@tensorflow/tfjs';
import { ownWebGpuKernelsActive } from '../kernels/webgpu/own-kernels-flag.js';

export type LinearActivation = 'linear' | 'relu';

/**
 * act(conv2d(x, w, strides) + bias). On webgpu with the engine's own kernels on it is tfjs's fused conv (bias and
 * activation in the convolution's own dispatch); elsewhere separate ops, which is what wasm's conv kernels expect.
 */
export function conv2dBias(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  bias: tf.Tensor1D,
  pad: 'same' | 'valid',
  activation: LinearActivation = 'linear',
  strides: 1 | 2 = 1,
): tf.Tensor4D {
  if (ownWebGpuKernelsActive()) return tf.fused.conv2d({ x, filter: w, strides, pad, bias, activation });
  const y = tf.add(tf.conv2d(x, w, strides, pad), bias) as tf.Tensor4D;
  return activation === 'relu' ? tf.relu(y) : y;
}

/** a·b + bias for 2-D a, b (fused on webgpu with our kernels on, as conv2dBias). */
export function matMulBias(a: tf.Tensor2D, b: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (ownWebGpuKernelsActive()) return tf.fused.matMul({ a, b, bias }) as tf.Tensor2D;
  return tf.add(tf.matMul(a, b), bias) as tf.Tensor2D;
}
