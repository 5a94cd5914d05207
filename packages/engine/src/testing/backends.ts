import * as tf from '@tensorflow/tfjs';
import { activateBackend } from '../select-backend.js';

/** Initialises cpu and wasm for a test file and leaves `active` selected. */
export async function setUpBackends(active: 'cpu' | 'wasm' = 'wasm'): Promise<void> {
  tf.enableProdMode();
  await activateBackend('cpu');
  await activateBackend('wasm');
  await tf.setBackend(active);
}

/** Tensor values as a plain float64 array. */
export async function values(t: tf.Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}
