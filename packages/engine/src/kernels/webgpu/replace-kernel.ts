import * as tf from '@tensorflow/tfjs';

const replaced = new Set<string>();

/**
 * Replaces tfjs-webgpu's kernel `kernelName` with `wrap(stock)`, which may call the stock kernel for the cases it
 * leaves alone. Once per kernel name (later calls do nothing); nothing happens before the webgpu backend's kernels
 * are registered.
 */
export function replaceWebGpuKernel(kernelName: string, wrap: (stock: tf.KernelConfig) => tf.KernelFunc): void {
  if (replaced.has(kernelName)) return;
  const stock = tf.getKernel(kernelName, 'webgpu');
  if (stock === undefined) return;
  const kernelFunc = wrap(stock);
  tf.unregisterKernel(kernelName, 'webgpu');
  tf.registerKernel({ ...stock, kernelFunc });
  replaced.add(kernelName);
}
