import * as tf from '@tensorflow/tfjs';
import { rawDispatchListeners } from '../kernels/webgpu/raw-dispatch.js';
import { MethodPatches, programLabel, tfjsDispatchLabel, trackKernels } from './method-patches.js';

/**
 * What the WebGPU backend asked of the device between two snapshots. These counts depend on the program and
 * tfjs, not on the adapter, so a software adapter (Mesa llvmpipe through Dawn) measures them exactly.
 */
export interface WebGpuCounts {
  /** `GPUComputePassEncoder.dispatchWorkgroups` calls: one per kernel launch. */
  dispatches: number;
  /** `GPUQueue.submit` calls. */
  submits: number;
  /**
   * Milliseconds the host spent inside `GPUQueue.submit` (cheap on a card; on the software adapter Dawn's OpenGL ES
   * backend runs the work there). What a region took minus this is its host work: encoding and tfjs's bookkeeping.
   */
  submitMs: number;
  /** `GPUCommandEncoder.copyBufferToBuffer` calls (uploads, staging for reads, our kernels' gathers). */
  copies: number;
  /** `GPUDevice.createBuffer` calls (tfjs pools buffers: after warm-up this should stay at 0). */
  bufferCreations: number;
  bufferBytes: number;
  /** `GPUBuffer.mapAsync` for reading: a device → host copy the host waits for. */
  mapReads: number;
  /** tfjs reads on the webgpu backend (`data()`, `array()`, `dataSync()`…), whether or not they reach the device. */
  tfjsReads: number;
  /**
   * Dispatches by the tfjs kernel that issued them and the tfjs-webgpu program it ran (its shader key, shortened):
   * `Mul/binary`, `Conv2D/conv2DMM`, `Conv2DBackpropFilter/conv2DDerFilter`…; `-` outside any kernel. Our own
   * kernels (packages/engine/src/kernels/webgpu) count under their names: `DgmAdamW/update`, ….
   */
  byProgram: Record<string, number>;
}

export interface WebGpuCounter {
  /** Counts since the last `reset()` (or installation). */
  snapshot(): WebGpuCounts;
  reset(): void;
  /** Restores every wrapped method. */
  uninstall(): void;
}

interface WebGpuBackendLike {
  recordAndSubmit(program: { shaderKey?: string }, ...rest: unknown[]): unknown;
  read(dataId: object): Promise<unknown>;
  readSync(dataId: object): unknown;
}

let installed: WebGpuCounter | null = null;

export { programLabel };

function emptyCounts(): WebGpuCounts {
  return { dispatches: 0, submits: 0, submitMs: 0, copies: 0, bufferCreations: 0, bufferBytes: 0, mapReads: 0, tfjsReads: 0, byProgram: {} };
}

function dawnClass(name: string): { prototype: Record<string, unknown> } {
  const cls = (globalThis as Record<string, unknown>)[name] as { prototype: Record<string, unknown> } | undefined;
  if (cls?.prototype === undefined) throw new Error(`webgpu counters: global ${name} is missing (activate the webgpu backend first)`);
  return cls;
}

/**
 * Wraps the Dawn classes' methods that tfjs-backend-webgpu calls (on their prototypes, so that pooled
 * buffers and new passes are covered) and the active webgpu backend's `recordAndSubmit`/`read`/`readSync`.
 * One counter at a time per process; the webgpu backend must be active. Costs a counter increment per call.
 */
export function installWebGpuCounters(): WebGpuCounter {
  if (installed !== null) throw new Error('webgpu counters: already installed (uninstall the previous counter first)');
  if (tf.getBackend() !== 'webgpu') throw new Error(`webgpu counters: the active backend is ${tf.getBackend()}, not webgpu`);
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  let counts = emptyCounts();
  const patches = new MethodPatches();
  patches.before(dawnClass('GPUComputePassEncoder').prototype, 'dispatchWorkgroups', () => void counts.dispatches++);
  patches.around(dawnClass('GPUQueue').prototype, 'submit', (original, self, args) => {
    counts.submits++;
    const start = performance.now();
    try {
      return original.apply(self, args);
    } finally {
      counts.submitMs += performance.now() - start;
    }
  });
  patches.before(dawnClass('GPUCommandEncoder').prototype, 'copyBufferToBuffer', () => void counts.copies++);
  patches.before(dawnClass('GPUDevice').prototype, 'createBuffer', (_self, [descriptor]) => {
    counts.bufferCreations++;
    counts.bufferBytes += (descriptor as GPUBufferDescriptor).size;
  });
  const mapRead = (globalThis as { GPUMapMode?: { READ: number } }).GPUMapMode?.READ ?? 1;
  patches.before(dawnClass('GPUBuffer').prototype, 'mapAsync', (_self, [mode]) => {
    if (((mode as number) & mapRead) !== 0) counts.mapReads++;
  });
  const kernel = trackKernels(patches);
  patches.before(backend, 'recordAndSubmit', (_self, [program]) => {
    const label = tfjsDispatchLabel(kernel(), program as { shaderKey?: string });
    counts.byProgram[label] = (counts.byProgram[label] ?? 0) + 1;
  });
  const onRawDispatch = (name: string) => void (counts.byProgram[name] = (counts.byProgram[name] ?? 0) + 1);
  rawDispatchListeners.add(onRawDispatch);
  patches.before(backend, 'read', () => void counts.tfjsReads++);
  patches.before(backend, 'readSync', () => void counts.tfjsReads++);

  const counter: WebGpuCounter = {
    snapshot: () => ({ ...counts, byProgram: { ...counts.byProgram } }),
    reset: () => void (counts = emptyCounts()),
    uninstall: () => {
      rawDispatchListeners.delete(onRawDispatch);
      patches.restore();
      if (installed === counter) installed = null;
    },
  };
  installed = counter;
  return counter;
}

/** `a - b`, field by field (for counts around a region of code). */
export function diffCounts(a: WebGpuCounts, b: WebGpuCounts): WebGpuCounts {
  const byProgram: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a.byProgram), ...Object.keys(b.byProgram)])) {
    const d = (a.byProgram[k] ?? 0) - (b.byProgram[k] ?? 0);
    if (d !== 0) byProgram[k] = d;
  }
  return {
    dispatches: a.dispatches - b.dispatches,
    submits: a.submits - b.submits,
    submitMs: a.submitMs - b.submitMs,
    copies: a.copies - b.copies,
    bufferCreations: a.bufferCreations - b.bufferCreations,
    bufferBytes: a.bufferBytes - b.bufferBytes,
    mapReads: a.mapReads - b.mapReads,
    tfjsReads: a.tfjsReads - b.tfjsReads,
    byProgram,
  };
}

/** One line: `dispatches 412  submits 28  copies 3  buffers 0 (0 B)  reads 1 (device 1)`. */
export function formatCounts(c: WebGpuCounts, per = 1): string {
  const f = (n: number) => (Number.isInteger(n / per) ? String(n / per) : (n / per).toFixed(1));
  const bytes = c.bufferBytes / per;
  const b = bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${Math.round(bytes)} B`;
  return `dispatches ${f(c.dispatches)}  submits ${f(c.submits)}  copies ${f(c.copies)}  buffers ${f(c.bufferCreations)} (${b})  reads ${f(c.tfjsReads)} (device ${f(c.mapReads)})`;
}

/** The programs with the most dispatches, largest first. */
export function topPrograms(c: WebGpuCounts, n = 8): Array<[string, number]> {
  return Object.entries(c.byProgram)
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, n);
}
