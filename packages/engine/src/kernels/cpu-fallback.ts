import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorInfo } from './kernel-calls.js';

let privateCpu: MathBackendCPU | undefined;

/**
 * A kernel for `backendName` that runs tfjs-backend-cpu's implementation on a private cpu backend:
 * inputs are copied out (`readSync`), outputs copied back (`write`). Correct by construction (cpu is
 * the reference) and as slow as cpu: meant for kernels a backend lacks and our models use rarely or on
 * small tensors (the gradient of `gather`, depthwise-conv gradients, einsum). Needs a backend whose
 * `readSync` works (wasm; not webgpu in Node).
 */
export function cpuFallbackKernel(kernelName: string, backendName: string): tf.KernelConfig {
  return {
    kernelName,
    backendName,
    kernelFunc: ({ inputs, backend: anyBackend, attrs }) => {
      const backend = anyBackend as tf.KernelBackend;
      const cpuKernel = tf.getKernel(kernelName, 'cpu');
      if (cpuKernel === undefined) throw new Error(`cpu fallback for ${kernelName}: tfjs-backend-cpu has no such kernel`);
      privateCpu ??= new MathBackendCPU();
      const cpu = privateCpu;
      const cpuInputs: Record<string, TensorInfo> = {};
      for (const [name, info] of Object.entries(inputs as Record<string, TensorInfo | undefined>)) {
        if (info === undefined) continue;
        cpuInputs[name] = { dataId: cpu.write(backend.readSync(info.dataId), info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
      }
      const toFree = Object.values(cpuInputs).map((info) => info.dataId);
      try {
        const out = cpuKernel.kernelFunc({ inputs: cpuInputs as tf.NamedTensorInfoMap, backend: cpu, attrs });
        const outs = Array.isArray(out) ? out : [out];
        for (const o of outs) toFree.push(o.dataId);
        const back = outs.map((o) => ({ dataId: backend.write(cpu.readSync(o.dataId), o.shape, o.dtype), shape: o.shape, dtype: o.dtype }));
        return Array.isArray(out) ? back : back[0]!;
      } finally {
        for (const id of toFree) cpu.disposeData(id, true);
      }
    },
  };
}
