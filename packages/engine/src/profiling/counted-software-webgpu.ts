import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../select-backend.js';
import { installWebGpuCounters, type WebGpuCounter } from './webgpu-counters.js';

/**
 * For tests: activates webgpu on the software adapter (Mesa llvmpipe through Dawn's OpenGL ES backend) with
 * counters installed, or returns undefined where this machine has no such adapter (the test then skips;
 * counts do not depend on the adapter).
 */
export async function openCountedSoftwareWebGpu(): Promise<WebGpuCounter | undefined> {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  tf.enableProdMode();
  return activateBackend('webgpu', { webgpu: { dawnFlags: ['backend=opengles'], featureLevel: 'compatibility', allowSoftwareAdapter: true } }).then(
    () => installWebGpuCounters(),
    () => undefined,
  );
}
