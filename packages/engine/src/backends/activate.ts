import * as tf from '@tensorflow/tfjs';
import { firstLine } from '../errors.js';

/**
 * `tf.setBackend(name)` that throws with the real cause. tfjs only logs a failed backend initialisation
 * (and not at all with PROD set) and returns false; wrapping the registered factory keeps its error.
 */
export async function setTfBackend(name: string): Promise<void> {
  const factory = tf.findBackendFactory(name);
  if (factory === null || factory === undefined) throw new Error(`no tfjs backend named '${name}' is registered`);
  let cause: unknown;
  if (tf.findBackend(name) === null) {
    const priority = tf.engine().registryFactory[name]?.priority ?? 1;
    tf.removeBackend(name);
    tf.registerBackend(
      name,
      async () => {
        try {
          return await factory();
        } catch (error) {
          cause = error;
          throw error;
        }
      },
      priority,
    );
  }
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs could not initialise backend '${name}'${cause === undefined ? '' : `: ${firstLine(cause)}`}`);
  await tf.ready();
  // A kernel that fails on first use (missing shader compiler, broken driver) shows up here rather
  // than in the middle of a job.
  const probe = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.scalar(1)));
  try {
    const values = await probe.data();
    if (values[0] !== 2 || values[1] !== 3) throw new Error(`backend '${name}' computed [1,2]+1 = [${Array.from(values).join(',')}]`);
  } finally {
    probe.dispose();
  }
}

/** `import(specifier)` for optional packages; the variable keeps TypeScript and bundlers from resolving it. */
export async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}
