import * as tf from '@tensorflow/tfjs';
import { replaceWebGpuKernel } from './webgpu/replace-kernel.js';

interface WebGpuBackendLike {
  device: GPUDevice;
  disposeData(dataId: object): void;
}

/**
 * tfjs-backend-webgpu 4.22 binds every AddN input as its own storage buffer in one shader, so an addN of more
 * than maxStorageBuffersPerShaderStage − 1 tensors (8 − 1 by default, on hardware and software adapters
 * alike) is an invalid pipeline: Dawn reports a validation error and the whole command buffer, with every
 * dispatch batched into it, is dropped. clipGradNorm's sum over all parameters' squared norms hits this.
 * This replacement sums in chunks that fit (a tree: ⌈(n−1)/(k−1)⌉ dispatches instead of 1); addNs that fit are
 * the stock kernel unchanged. Idempotent; call with the webgpu backend registered.
 */
export function registerWebGpuAddN(): void {
  replaceWebGpuKernel(tf.AddN, (stock) => (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const backend = args.backend as unknown as WebGpuBackendLike;
    const fit = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    if (inputs.length <= fit) return stock.kernelFunc(args);
    const partials: tf.TensorInfo[] = [];
    let level = inputs;
    while (level.length > fit) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < level.length; i += fit) {
        const chunk = level.slice(i, i + fit);
        if (chunk.length === 1) next.push(chunk[0]!);
        else {
          const sum = stock.kernelFunc({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
          partials.push(sum);
          next.push(sum);
        }
      }
      level = next;
    }
    const out = stock.kernelFunc({ ...args, inputs: level as unknown as tf.NamedTensorInfoMap });
    for (const p of partials) backend.disposeData(p.dataId);
    return out;
  });
}
