import * as tf from '@tensorflow/tfjs';
import { activateSoftwareWebGpu } from '../testing/software-webgpu.js';
import { installWebGpuCounters, type WebGpuCounter } from './webgpu-counters.js';

/**
 * For the software GPU suite: activates webgpu on the software adapter (Mesa llvmpipe through Dawn's OpenGL ES
 * backend) with counters installed; throws, naming what is missing, where this machine has no such adapter
 * (counts do not depend on the adapter, so they are checked here).
 */
export async function openCountedSoftwareWebGpu(): Promise<WebGpuCounter> {
  tf.enableProdMode();
  await activateSoftwareWebGpu();
  return installWebGpuCounters();
}
