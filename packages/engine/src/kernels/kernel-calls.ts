import * as tf from '@tensorflow/tfjs';

export type TensorInfo = tf.TensorInfo;
type KernelInputs = Record<string, TensorInfo>;

/**
 * Runs other kernels of the same backend from inside a kernel (below the tape, so nothing is
 * recorded for autodiff) and frees every intermediate output once the kernel is done. A kernel built
 * from kernels stays as cheap as the kernels it calls: no tensor objects, no engine bookkeeping.
 */
export class KernelCalls {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: tf.KernelBackend,
    readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: KernelInputs, attrs: object = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, this.backendName);
    if (kernel === undefined) throw new Error(`kernel '${kernelName}' is not registered for backend '${this.backendName}'`);
    const out = kernel.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as tf.NamedAttrMap,
    });
    if (Array.isArray(out)) throw new Error(`kernel '${kernelName}' returned several outputs; KernelCalls.run expects one`);
    this.temps.push(out);
    return out;
  }

  /** Frees an intermediate now (inside loops), instead of at the end. */
  free(info: TensorInfo): void {
    const i = this.temps.indexOf(info);
    if (i >= 0) this.temps.splice(i, 1);
    this.backend.disposeData(info.dataId);
  }

  /** Adopts a buffer allocated directly (`makeOutput`), so that it is freed like the rest. */
  track(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  /** Hands a result over to the caller: it is not freed by `dispose`. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.temps.indexOf(info);
    if (i >= 0) this.temps.splice(i, 1);
    return info;
  }

  /** The tracked intermediate holding the same buffer as `info`, if any. */
  ownerOf(info: TensorInfo): TensorInfo | undefined {
    return this.temps.find((t) => t.dataId === info.dataId);
  }

  dispose(): void {
    for (const info of this.temps.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/** Runs `body` with a fresh KernelCalls and frees its intermediates, whatever happens. */
export function withKernelCalls(
  backend: tf.KernelBackend,
  backendName: string,
  body: (calls: KernelCalls) => TensorInfo,
): TensorInfo {
  const calls = new KernelCalls(backend, backendName);
  try {
    const result = body(calls);
    // The result may be an intermediate re-labelled with another shape: keep its buffer.
    const own = calls.ownerOf(result);
    if (own) calls.keep(own);
    return result;
  } finally {
    calls.dispose();
  }
}
