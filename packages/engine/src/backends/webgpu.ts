import * as tf from '@tensorflow/tfjs';
import { firstLine } from '../errors.js';
import { describeAdapter, type AdapterVerdict } from './adapter-kind.js';
import { registerWebGpuAddN } from '../kernels/webgpu-add-n.js';
import { OWN_WEBGPU_KERNELS_FLAG } from '../kernels/webgpu/own-kernels-flag.js';
import { WEBGPU_GEMM_FLAG } from '../kernels/webgpu/gemm-tiling.js';
import { registerWebGpuLeadingAxesSum } from '../kernels/webgpu/leading-axes-sum.js';
import { registerWebGpuSplitV } from '../kernels/webgpu/split-v.js';
import { registerGemmConv2dBackpropFilter } from '../kernels/webgpu/conv2d-backprop-filter-gemm.js';
import { registerTiledConv2dBackpropInput } from '../kernels/webgpu/conv2d-backprop-input-mm.js';
import { registerGemmConv2d } from '../kernels/webgpu/conv2d-gemm.js';
import { registerGemmMatMul } from '../kernels/webgpu/matmul-gemm.js';
import { registerAffineCouplingKernels } from '../kernels/webgpu/affine-coupling.js';
import { registerRqSplineKernels } from '../kernels/webgpu/rq-spline.js';
import { registerWebGpuCumulativeReverseFix } from '../kernels/webgpu/cumulative-reverse.js';
import { importOptional, setTfBackend } from './activate.js';
import type { WebGpuOptions } from './loader-options.js';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: object;
}

/**
 * Finds a WebGPU adapter through Dawn (npm `webgpu`). Throws when there is none, or when it is a CPU
 * renderer and `allowSoftwareAdapter` is not set.
 */
export async function probeWebGpu(options: WebGpuOptions = {}): Promise<{ gpu: GPU; adapter: GPUAdapter; verdict: AdapterVerdict }> {
  let dawn: DawnModule;
  try {
    dawn = (await importOptional('webgpu')) as DawnModule;
  } catch (error) {
    throw new Error(`npm package 'webgpu' (Dawn) failed to load: ${firstLine(error)}`);
  }
  // GPUBufferUsage, GPUMapMode, … are globals in browsers; tfjs-backend-webgpu uses them as such.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(options.dawnFlags ?? []);
  const request: GPURequestAdapterOptions & { featureLevel?: string } = { powerPreference: 'high-performance' };
  if (options.featureLevel !== undefined) request.featureLevel = options.featureLevel;
  const adapter = await gpu.requestAdapter(request);
  if (adapter === null) {
    throw new Error('Dawn found no WebGPU adapter (no GPU, or no Vulkan loader/driver: libvulkan.so.1 and the vendor ICD)');
  }
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).info;
  const verdict = describeAdapter({
    vendor: info?.vendor,
    architecture: info?.architecture,
    device: info?.device,
    description: info?.description,
    isFallbackAdapter: info?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  });
  if (verdict.software && options.allowSoftwareAdapter !== true) {
    throw new Error(`the only WebGPU adapter is a CPU renderer (${verdict.label}), slower than wasm`);
  }
  return { gpu, adapter, verdict };
}

/** Makes `gpu` the global `navigator.gpu`, where tfjs-backend-webgpu looks for it. */
function installNavigatorGpu(gpu: GPU, request: object): void {
  // Every adapter tfjs asks for gets our options (e.g. featureLevel for Dawn's OpenGL backend).
  const wrapped = new Proxy(gpu, {
    get(target, prop) {
      if (prop === 'requestAdapter') {
        return (opts?: GPURequestAdapterOptions) => target.requestAdapter({ ...opts, ...request });
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const nav = (globalThis as { navigator?: object }).navigator;
  if (nav === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: wrapped }, configurable: true, writable: true });
  } else {
    Object.defineProperty(nav, 'gpu', { value: wrapped, configurable: true, writable: true });
  }
}

/** Dispatches per queue submit on webgpu (tfjs's default is 15). */
export const WEBGPU_SUBMIT_BATCH_SIZE = 64;

/** `webgpu`: tfjs-backend-webgpu on a hardware adapter found by Dawn. */
export async function activateWebGpu(options: WebGpuOptions = {}): Promise<string> {
  const { gpu, verdict } = await probeWebGpu(options);
  installNavigatorGpu(gpu, options.featureLevel === undefined ? {} : { featureLevel: options.featureLevel });
  // The module registers the 'webgpu' backend at import time only if navigator.gpu exists then.
  // A literal import, so that bundles (bench/gpu) carry it; it is loaded only here.
  const mod = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') === null) {
    // Imported earlier, before navigator.gpu existed: register the same factory it would have.
    tf.registerBackend(
      'webgpu',
      async () => {
        const adapter = await (globalThis as unknown as { navigator: { gpu: GPU } }).navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
        if (adapter === null) throw new Error('WebGPU adapter disappeared');
        const l = adapter.limits;
        const device = await adapter.requestDevice({
          // As tfjs's own factory: GPU time profiles (tf.profile, bench/gpu) need it; nothing else uses it.
          requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
          requiredLimits: {
            maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
            maxBufferSize: l.maxBufferSize,
            maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
          },
        });
        return new mod.WebGPUBackend(device, (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info);
      },
      3,
    );
  }
  registerWebGpuAddN();
  registerWebGpuLeadingAxesSum();
  registerWebGpuSplitV();
  registerGemmConv2dBackpropFilter();
  registerTiledConv2dBackpropInput();
  registerGemmMatMul();
  registerGemmConv2d();
  registerAffineCouplingKernels();
  registerRqSplineKernels();
  registerWebGpuCumulativeReverseFix();
  // tfjs submits the command buffer every 15 dispatches by default; a training step is hundreds to thousands
  // (bench:gpu-dispatches). Fewer, larger submits give the same results; 64 still hands the device work while
  // the host encodes the rest of the step.
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', WEBGPU_SUBMIT_BATCH_SIZE);
  await setTfBackend('webgpu');
  // The worker's `tfjs backend selected` line carries this reason: it says which kernels a GPU worker runs.
  const gemm = String(tf.env().get(WEBGPU_GEMM_FLAG));
  const kernels = tf.env().getBool(OWN_WEBGPU_KERNELS_FLAG)
    ? `the engine's own WebGPU kernels on${gemm === 'auto' ? '' : ` (GEMM: ${gemm})`}`
    : "the engine's own WebGPU kernels off (stock tfjs-webgpu)";
  return `WebGPU adapter ${verdict.label}${verdict.software ? ' (software renderer, allowed by option)' : ''}; ${kernels}`;
}
