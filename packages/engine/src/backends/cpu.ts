import { setTfBackend } from './activate.js';

/** `cpu`: tfjs-backend-cpu, pure JavaScript. The reference for tests; far too slow to train conv nets. */
export async function activateCpu(): Promise<string> {
  await setTfBackend('cpu');
  return 'tfjs-backend-cpu (pure JavaScript; reference only, conv training is ~1000× slower than wasm)';
}
