import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';

/** Live tensors and backend buffers. */
export interface MemorySnapshot {
  numTensors: number;
  numBytes: number;
  /** Data buffers held by the active backend: those of tensors plus any a kernel forgot to free. */
  backendBuffers: number;
  /** Backend buffers no tensor refers to: kernel intermediates that were never freed. */
  orphanBuffers: number;
  numVariables: number;
}

export function memorySnapshot(): MemorySnapshot {
  const m = tf.memory();
  const backendBuffers = tf.backend().numDataIds();
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    backendBuffers,
    orphanBuffers: backendBuffers - m.numDataBuffers,
    numVariables: Object.keys(tf.engine().registeredVariables).length,
  };
}

export interface LeakCheckOptions {
  /** Tensors that may be created and kept, besides those returned (e.g. caches). Default 0. */
  allowedNewTensors?: number;
  /** 'throw' (default) raises DGM_ENGINE_TENSOR_LEAK; 'report' only calls `onLeak`. */
  onLeak?: 'throw' | 'report';
  report?: (leak: TensorLeak) => void;
}

export interface TensorLeak {
  scope: string;
  extraTensors: number;
  extraBackendBuffers: number;
  before: MemorySnapshot;
  after: MemorySnapshot;
}

function check(scope: string, before: MemorySnapshot, resultTensors: number, options: LeakCheckOptions): void {
  const after = memorySnapshot();
  // New variables (optimizer slots on the first step) are state, not leaks: each is one tensor and one buffer.
  const newVariables = after.numVariables - before.numVariables;
  const allowed = resultTensors + newVariables + (options.allowedNewTensors ?? 0);
  const extraTensors = after.numTensors - before.numTensors - allowed;
  // Tensor buffers may legitimately multiply (a variable assigned a new value stops sharing its
  // initial tensor's buffer); buffers without any tensor may not.
  const extraBackendBuffers = after.orphanBuffers - before.orphanBuffers;
  if (extraTensors <= 0 && extraBackendBuffers <= 0) return;
  const leak: TensorLeak = { scope, extraTensors, extraBackendBuffers, before, after };
  options.report?.(leak);
  if ((options.onLeak ?? 'throw') === 'throw') {
    throw new EngineError(
      'DGM_ENGINE_TENSOR_LEAK',
      `${scope}: ${Math.max(extraTensors, 0)} tensor(s) and ${Math.max(extraBackendBuffers, 0)} orphan backend buffer(s) outlived the scope (tensors ${before.numTensors} → ${after.numTensors}, orphan buffers ${before.orphanBuffers} → ${after.orphanBuffers}, returned ${resultTensors}, new variables ${newVariables})`,
    );
  }
}

/**
 * `tf.tidy` that also proves it: after `fn`, every tensor and backend buffer created inside is gone
 * except the returned ones (and new variables). Catches `tf.keep` misuse and kernels that forget to
 * free intermediates. Synchronous, like tf.tidy.
 */
export function tidyChecked<T extends tf.TensorContainer>(scope: string, fn: () => T, options: LeakCheckOptions = {}): T {
  const before = memorySnapshot();
  const maxIdBefore = nextTensorId();
  const result = tf.tidy(fn);
  check(scope, before, countNewerThan(result, maxIdBefore), options);
  return result;
}

/**
 * The async counterpart, for steps that read results (`await t.data()`, required on WebGPU) or await
 * I/O: tensors created by `fn` are tracked in an engine scope and disposed when it ends, except the
 * returned ones. Do not run other tensor work concurrently with it — the scope would capture it.
 */
export async function scopeChecked<T>(scope: string, fn: () => Promise<T>, options: LeakCheckOptions = {}): Promise<T> {
  const before = memorySnapshot();
  const maxIdBefore = nextTensorId();
  const engine = tf.engine();
  engine.startScope(scope);
  let result: T;
  try {
    result = await fn();
  } catch (error) {
    engine.endScope();
    throw error;
  }
  engine.endScope(result as tf.TensorContainer);
  check(scope, before, countNewerThan(result, maxIdBefore), options);
  return result;
}

/**
 * One optimizer step that leaves nothing behind: minimises `loss` over `varList` (default: all
 * trainable variables), reads the loss value, and checks for leaks. Returns the loss as a number.
 * Optimizer slots created on the first step are variables and allowed; tf.train.sgd also keeps one
 * scalar from its first step (pass `allowedNewTensors: 1` then).
 */
export async function trainStep(
  scope: string,
  optimizer: tf.Optimizer,
  loss: () => tf.Scalar,
  varList?: tf.Variable[],
  options: LeakCheckOptions = {},
): Promise<number> {
  return scopeChecked(
    scope,
    async () => {
      const value = optimizer.minimize(loss, true, varList);
      if (value === null) throw new Error(`${scope}: optimizer.minimize returned no loss`);
      const [v] = await value.data();
      value.dispose();
      return v!;
    },
    options,
  );
}

// Tensor ids increase monotonically; a result tensor with an id at or above the id counter taken
// before the scope was created inside it.
function nextTensorId(): number {
  const probe = tf.scalar(0);
  const id = probe.id;
  probe.dispose();
  return id;
}

function countNewerThan(result: unknown, firstId: number): number {
  const ids = new Set<number>();
  for (const t of tf.tensor_util.getTensorsInContainer(result as tf.TensorContainer)) if (t.id >= firstId && !t.isDisposed) ids.add(t.id);
  return ids.size;
}

