import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterFromConv } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputFromConv } from './conv2d-backprop-input.js';
import { cpuFallbackKernel } from './cpu-fallback.js';
import { parallelConv2D, parallelFilterGradient } from './parallel-conv.js';
import { batchMatMulThroughXnnpack, leadingAxesReduction, sharedIdentity, sliceOnHeap, transposeOnHeap } from './wasm-layout-kernels.js';

/** Kernels tfjs-backend-wasm 4.22 lacks that our models can hit, filled from the cpu backend (see cpu-fallback.ts). */
export const WASM_CPU_FALLBACK_KERNELS = [
  tf.UnsortedSegmentSum, // gradient of gather
  tf.DepthwiseConv2dNativeBackpropInput,
  tf.DepthwiseConv2dNativeBackpropFilter,
  tf.Einsum,
] as const;

export interface ProjectKernel {
  kernelName: string;
  /** 'added': the backend had none; 'replaced': ours is faster than the backend's own. */
  action: 'added' | 'replaced';
  how: string;
}

const registered: ProjectKernel[] = [];

/**
 * Registers the project's kernels for 'wasm'. Idempotent. Call after the wasm backend is initialised:
 * replaced kernels keep the original's setupFunc, so a later re-initialisation still binds it.
 */
export function registerWasmKernels(): readonly ProjectKernel[] {
  if (registered.length > 0) return registered;
  const backend = 'wasm';
  const replace = (kernelName: string, make: (original: tf.KernelConfig) => tf.KernelConfig, how: string) => {
    const original = tf.getKernel(kernelName, backend);
    if (original === undefined) return;
    tf.unregisterKernel(kernelName, backend);
    tf.registerKernel(make(original));
    registered.push({ kernelName, action: 'replaced', how });
  };
  // Layout and reduction kernels that tfjs-backend-wasm 4.22 runs far below memory speed.
  replace(tf.Transpose, transposeOnHeap, 'blocked JS transpose on the wasm heap');
  replace(tf.Slice, sliceOnHeap, 'reads the input in place instead of copying all of it');
  replace(tf.Identity, sharedIdentity, 'shares the buffer (tfjs clones every tensor saved for backprop)');
  replace(tf.Cast, sharedIdentity, "same-dtype casts share the buffer; casts to bool fixed (wasm's wrapped −7 to 249)");
  replace(tf.Sum, (o) => leadingAxesReduction(tf.Sum, o), 'leading-axes sums in one pass (no transpose)');
  replace(tf.Mean, (o) => leadingAxesReduction(tf.Mean, o), 'leading-axes means in one pass (no transpose)');
  replace(tf.BatchMatMul, batchMatMulThroughXnnpack, 'transposed and batched products through XNNPACK');
  replace(tf.Conv2D, parallelConv2D, 'large convs split over the batch between threads when helper threads run (wasm.threads > 1)');
  if (tf.getKernel(tf.Conv2DBackpropFilter, backend) === undefined) {
    tf.registerKernel(parallelFilterGradient(conv2dBackpropFilterFromConv(backend)));
    registered.push({
      kernelName: tf.Conv2DBackpropFilter,
      action: 'added',
      how: 'forward Conv2D of xᵀ with dyᵀ (XNNPACK); large ones split over the batch between threads when helper threads run',
    });
  }
  const original = tf.getKernel(tf.Conv2DBackpropInput, backend);
  if (original !== undefined) tf.unregisterKernel(tf.Conv2DBackpropInput, backend);
  tf.registerKernel(conv2dBackpropInputFromConv(backend, original));
  registered.push({
    kernelName: tf.Conv2DBackpropInput,
    action: original === undefined ? 'added' : 'replaced',
    how: 'forward Conv2D with the flipped filter (XNNPACK), zero insertion for strides > 1',
  });
  // tfjs-backend-wasm 4.22's MaxPoolGrad returns wrong gradients for many windows (relative error
  // 0.1–0.9 vs cpu, e.g. 3×3 stride 1 'same'); the cpu implementation is right.
  if (tf.getKernel(tf.MaxPoolGrad, backend) !== undefined) tf.unregisterKernel(tf.MaxPoolGrad, backend);
  tf.registerKernel(cpuFallbackKernel(tf.MaxPoolGrad, backend));
  registered.push({ kernelName: tf.MaxPoolGrad, action: 'replaced', how: "tfjs-backend-cpu implementation on copies (wasm's is wrong)" });
  // tfjs-backend-wasm 4.22's OneHot ignores its dtype: asked for float32 it writes int32 ones, read back as
  // 1.4e-45, so an exact Jacobian trace built from float32 one-hot probes came out 0.
  if (tf.getKernel(tf.OneHot, backend) !== undefined) tf.unregisterKernel(tf.OneHot, backend);
  tf.registerKernel(cpuFallbackKernel(tf.OneHot, backend));
  registered.push({ kernelName: tf.OneHot, action: 'replaced', how: "tfjs-backend-cpu implementation on copies (wasm's ignores a float32 dtype)" });
  for (const name of WASM_CPU_FALLBACK_KERNELS) {
    if (tf.getKernel(name, backend) !== undefined) continue;
    tf.registerKernel(cpuFallbackKernel(name, backend));
    registered.push({ kernelName: name, action: 'added', how: 'tfjs-backend-cpu implementation on copies' });
  }
  return registered;
}
