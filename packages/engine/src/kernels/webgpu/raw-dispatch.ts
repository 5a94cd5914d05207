import * as tf from '@tensorflow/tfjs';

/**
 * What we use of tfjs-backend-webgpu 4.22's backend object beyond its public API. Our own kernels record into
 * the backend's command encoder and compute pass, so they are ordered with tfjs's dispatches, batched into the
 * same submits, and the tensors they touch are released only after the submit that uses them (as tfjs does
 * for its own programs).
 */
export interface WebGpuBackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  dispatchCountInPass: number;
  commandQueueOwnedIds: WeakSet<object>;
  tensorMap: { get(dataId: object): { resource: unknown; shape: number[]; dtype: string } | undefined };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  makeUniforms(uniforms: Array<{ type: 'float32' | 'int32' | 'uint32'; data: number[] }>): GPUBufferBinding;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  /** Releases a tensor's buffer (after the pending submit, when the queue owns it). */
  disposeData(dataId: object): boolean;
  /**
   * Set while programs are timed (tfjs's `time`/`tf.profile`, the engine's GPU time profile): each dispatch then
   * gets a compute pass of its own, with timestamps where the device has `timestamp-query`, and its entry here.
   */
  activeTimers?: unknown[] | null;
  supportTimestampQuery: boolean;
  querySet: GPUQuerySet | null;
  querySetCount: number;
  /** Resolves the pass's two timestamps (submitting the queue) into milliseconds; 0 without timestamp-query. */
  getQueryTime(): Promise<number>;
}

/** The active backend's internals; throws unless webgpu is active. */
export function webGpuBackend(): WebGpuBackendInternals {
  if (tf.getBackend() !== 'webgpu') throw new Error(`webgpu kernels: the active backend is ${tf.getBackend()}, not webgpu`);
  return tf.backend() as unknown as WebGpuBackendInternals;
}

/** The GPU buffer holding a tensor (uploaded first if tfjs still keeps it on the host); the queue now owns it. */
export function bufferOf(backend: WebGpuBackendInternals, t: tf.TensorInfo): GPUBuffer {
  backend.uploadToGPU(t.dataId);
  const resource = backend.tensorMap.get(t.dataId)?.resource;
  if (!(resource instanceof GPUBuffer)) throw new Error('webgpu kernels: tensor is not backed by a GPU buffer (texture or disposed)');
  backend.commandQueueOwnedIds.add(t.dataId);
  return resource;
}

/** Listeners told of every dispatch we record (the profiling counters attribute them by name). */
export const rawDispatchListeners = new Set<(name: string) => void>();

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();
const failedPipelines = new WeakMap<GPUDevice, Map<string, string>>();

/**
 * A compute pipeline for `wgsl` (entry point `main`, bind group 0 laid out by the shader), compiled once per device.
 * A shader the device rejects (a WGSL error, a limit it does not have) would otherwise only make every dispatch of it
 * a no-op — outputs silently zero or stale. The rejection arrives asynchronously; from then on asking for that
 * pipeline throws, naming the kernel and the device's message, so the job fails with the reason at its next use.
 */
export function pipelineFor(backend: WebGpuBackendInternals, key: string, wgsl: () => string): GPUComputePipeline {
  const failure = failedPipelines.get(backend.device)?.get(key);
  if (failure !== undefined) throw new Error(`webgpu kernel ${key}: this device rejects its shader: ${failure}`);
  let cache = pipelines.get(backend.device);
  if (cache === undefined) pipelines.set(backend.device, (cache = new Map()));
  let pipeline = cache.get(key);
  if (pipeline === undefined) {
    const device = backend.device;
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ code: wgsl(), label: key });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
    void device.popErrorScope().then((error) => {
      if (error === null) return;
      let failed = failedPipelines.get(device);
      if (failed === undefined) failedPipelines.set(device, (failed = new Map()));
      failed.set(key, error.message.split('\n')[0] ?? error.message);
    });
    cache.set(key, pipeline);
  }
  return pipeline;
}

export interface RawDispatch {
  /** For profiles: the kernel's name (`DgmAdamW/update`). */
  name: string;
  pipeline: GPUComputePipeline;
  /** Bindings 0…n−1 in order: storage buffers (whole, or a range) then the uniform block if the shader has one. */
  bindings: GPUBufferBinding[];
  workgroups: [number, number?, number?];
}

/**
 * Records one dispatch into tfjs's current compute pass, submitting when tfjs's batch size is reached (as tfjs does).
 * While programs are timed it does what tfjs does for its own: a pass of its own with timestamps, and an entry named
 * after the kernel in the active timers, so GPU time profiles cover our kernels too.
 */
export function recordDispatch(backend: WebGpuBackendInternals, d: RawDispatch): void {
  const bindGroup = backend.device.createBindGroup({
    layout: d.pipeline.getBindGroupLayout(0),
    entries: d.bindings.map((resource, binding) => ({ binding, resource })),
  });
  backend.ensureCommandEncoderReady();
  const timers = backend.activeTimers;
  if (timers != null && backend.supportTimestampQuery) {
    backend.endComputePassEncoder();
    backend.querySet ??= backend.device.createQuerySet({ type: 'timestamp', count: backend.querySetCount });
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({
      timestampWrites: { querySet: backend.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (backend.computePassEncoder === null) backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  const pass = backend.computePassEncoder;
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1] ?? 1, d.workgroups[2] ?? 1);
  for (const listener of rawDispatchListeners) listener(d.name);
  backend.dispatchCountInPass++;
  if (timers != null) {
    backend.endComputePassEncoder();
    timers.push({ name: d.name, query: backend.getQueryTime() });
  } else if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
}

/** Records a buffer-to-buffer copy (no dispatch) in order with the dispatches around it. */
export function recordCopy(backend: WebGpuBackendInternals, src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
  if (bytes === 0) return;
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
}

/** Records zero-filling of a buffer range (no dispatch). */
export function recordClear(backend: WebGpuBackendInternals, buffer: GPUBuffer, offset: number, bytes: number): void {
  if (bytes === 0) return;
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.commandEncoder!.clearBuffer(buffer, offset, bytes);
}

/** A new float32 tensor of `shape` backed by a (pooled) GPU buffer, and that buffer (a kernel's output). */
export function newDeviceTensorInfo(backend: WebGpuBackendInternals, shape: number[]): { info: tf.TensorInfo; buffer: GPUBuffer } {
  const info = backend.makeTensorInfo(shape, 'float32');
  return { info, buffer: bufferOf(backend, info) };
}

/** As newDeviceTensorInfo, as a tracked tensor (outside kernels). */
export function newDeviceTensor(backend: WebGpuBackendInternals, shape: number[]): { tensor: tf.Tensor; buffer: GPUBuffer } {
  const { info, buffer } = newDeviceTensorInfo(backend, shape);
  return { tensor: tf.engine().makeTensorFromTensorInfo(info, tf.backend()), buffer };
}

/** Entries of `backend.makeUniforms` for WGSL u32 and i32 fields. */
export const uniformU32 = (value: number) => ({ type: 'uint32' as const, data: [value] });
export const uniformI32 = (value: number) => ({ type: 'int32' as const, data: [value] });

/** Workgroup size of our kernels: the compatibility feature level allows at most 128 invocations. */
export const WORKGROUP = 128;

/**
 * `groups` workgroups as an (x, y) grid within the per-dimension limit (65,535 on most adapters: a larger count is a
 * validation error, and Dawn drops the command buffer). Shaders number the workgroups with WORKGROUP_INDEX_WGSL and
 * skip those past `groups` (the grid may round up).
 */
export function workgroupGrid(backend: WebGpuBackendInternals, groups: number): [number, number] {
  const max = backend.device.limits.maxComputeWorkgroupsPerDimension;
  const n = Math.max(1, groups);
  return n <= max ? [n, 1] : [max, Math.ceil(n / max)];
}

/** Elementwise dispatch grid: (x, y) workgroups within the per-dimension limit; the shader flattens it (FLAT_INDEX_WGSL). */
export function elementwiseGrid(backend: WebGpuBackendInternals, invocations: number): [number, number] {
  return workgroupGrid(backend, Math.ceil(invocations / WORKGROUP));
}
