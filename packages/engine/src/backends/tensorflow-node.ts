import * as tf from '@tensorflow/tfjs';
import { firstLine } from '../errors.js';
import { importOptional, setTfBackend } from './activate.js';

/** Loads an optional tfjs-node package; a missing native binding becomes one readable reason. */
async function loadTfjsNode(pkg: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Promise<void> {
  try {
    await importOptional(pkg);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(pkg)) {
      throw new Error(`${pkg} is not installed (optional dependency)`);
    }
    const message = firstLine(error);
    if (message.includes('tfjs_binding.node')) {
      // The usual case without internet: the install could not download libtensorflow and build the binding.
      throw new Error(`${pkg} is installed but its native binding is missing (its install downloads libtensorflow; that failed or was skipped): ${message}`);
    }
    throw new Error(`${pkg} failed to load: ${message}`);
  }
}

/** `tensorflow-gpu`: libtensorflow with CUDA through @tensorflow/tfjs-node-gpu, only if it sees a GPU. */
export async function activateTensorflowGpu(): Promise<string> {
  await loadTfjsNode('@tensorflow/tfjs-node-gpu');
  await setTfBackend('tensorflow');
  const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
  if (usingGpu !== true) {
    throw new Error('@tensorflow/tfjs-node-gpu loaded, but TensorFlow found no usable GPU (CUDA 11.2 / cuDNN 8.1 libraries or driver missing)');
  }
  return 'libtensorflow (CUDA) through @tensorflow/tfjs-node-gpu, GPU device in use';
}

/** `tensorflow`: libtensorflow on the CPU through @tensorflow/tfjs-node. */
export async function activateTensorflow(): Promise<string> {
  try {
    await loadTfjsNode('@tensorflow/tfjs-node');
  } catch (error) {
    // tfjs-node-gpu registers the same 'tensorflow' backend and runs on the CPU too.
    if (tf.findBackendFactory('tensorflow') === null) throw error;
  }
  await setTfBackend('tensorflow');
  return 'libtensorflow (CPU) through @tensorflow/tfjs-node';
}
