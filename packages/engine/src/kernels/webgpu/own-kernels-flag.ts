import * as tf from '@tensorflow/tfjs';

/**
 * tfjs environment flag: whether the engine's own WebGPU kernels (fused optimizer, fused GroupNorm) replace
 * chains of stock tfjs-webgpu ops on the webgpu backend. On by default; profiles and tests turn it off to
 * measure or compare against stock tfjs (`tf.env().set(OWN_WEBGPU_KERNELS_FLAG, false)`).
 */
export const OWN_WEBGPU_KERNELS_FLAG = 'DGM_OWN_WEBGPU_KERNELS';

// Registered once per tfjs instance (tfjs warns on a second registration).
if ((tf.env() as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry[OWN_WEBGPU_KERNELS_FLAG] === undefined) {
  tf.env().registerFlag(OWN_WEBGPU_KERNELS_FLAG, () => true);
}

/** Whether our own WebGPU kernels run now: the webgpu backend is active and the flag is on. */
export function ownWebGpuKernelsActive(): boolean {
  return tf.getBackend() === 'webgpu' && tf.env().getBool(OWN_WEBGPU_KERNELS_FLAG);
}
