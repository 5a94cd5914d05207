import * as tf from '@tensorflow/tfjs';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

/**
 * tfjs-webgpu computes Conv2DBackpropInput with a naive kernel by default (`WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE`, on)
 * although it has a tiled implicit-GEMM one (`Conv2DDerInputMMProgram`, the same tiling as its forward conv). With
 * the engine's own kernels on, this takes the tiled one for each call (the flag is set around the stock kernel and
 * restored); the gradient-check suite checks it on every conv shape our models use. Idempotent.
 */
export function registerTiledConv2dBackpropInput(): void {
  replaceWebGpuKernel(tf.Conv2DBackpropInput, (stock) => (args) => {
    if (!ownWebGpuKernelsActive()) return stock.kernelFunc(args);
    const env = tf.env();
    const saved = env.getBool('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE');
    env.set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
    try {
      return stock.kernelFunc(args);
    } finally {
      env.set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', saved);
    }
  });
}
