import * as tf from '@tensorflow/tfjs';
import { bufferOf, elementwiseGrid, newDeviceTensorInfo, pipelineFor, recordDispatch, WORKGROUP, workgroupGrid, type WebGpuBackendInternals } from './raw-dispatch.js';
import { FLAT_INDEX_WGSL, WORKGROUP_INDEX_WGSL, WORKGROUP_SUM_WGSL } from './wgsl-snippets.js';

/** Kernel names: forward [x, shift, raw] → [y, logabsdet]; its gradient's kernel [dy, dlogabsdet, x, raw] → [dx, draw]. */
export const AFFINE_COUPLING = 'DgmAffineCoupling';
export const AFFINE_COUPLING_GRAD = 'DgmAffineCouplingGrad';

// scale = σ(raw + 2) + 1e-3, y = x·scale + shift, log|det| per sample = Σ ln scale: one workgroup per sample.
const FORWARD_WGSL = `
struct U { perSample: u32, batch: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> shift: array<f32>;
@group(0) @binding(2) var<storage, read> raw: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> logdet: array<f32>;
@group(0) @binding(5) var<uniform> u: U;
${WORKGROUP_SUM_WGSL}
${WORKGROUP_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wgId: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let sample = workgroupIndex(wgId, nwg);
  if (sample >= u.batch) { return; }
  let base = sample * u.perSample;
  var s = 0.0;
  for (var i = lid; i < u.perSample; i += ${WORKGROUP}u) {
    let scale = 1.0 / (1.0 + exp(-(raw[base + i] + 2.0))) + 1e-3;
    y[base + i] = x[base + i] * scale + shift[base + i];
    s += log(scale);
  }
  let total = workgroupSum(s, lid);
  if (lid == 0u) { logdet[sample] = total; }
}`;

// dx = dy·scale, d raw = (dy·x + dlogdet/scale)·σ'(raw + 2); d shift is dy itself.
const BACKWARD_WGSL = `
struct U { perSample: u32, total: u32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> dlogdet: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> raw: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> draw: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
${FLAT_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= u.total) { return; }
  let sig = 1.0 / (1.0 + exp(-(raw[i] + 2.0)));
  let scale = sig + 1e-3;
  dx[i] = dy[i] * scale;
  draw[i] = (dy[i] * x[i] + dlogdet[i / u.perSample] / scale) * sig * (1.0 - sig);
}`;


let registered = false;

/** Registers both kernels for webgpu (idempotent). */
export function registerAffineCouplingKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: AFFINE_COUPLING,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend: b }) => {
      const backend = b as unknown as WebGpuBackendInternals;
      const { x, shift, raw } = inputs as unknown as Record<'x' | 'shift' | 'raw', tf.TensorInfo>;
      const batch = x.shape[0]!;
      const perSample = x.shape.slice(1).reduce((a, c) => a * c, 1);
      const y = newDeviceTensorInfo(backend, [...x.shape]);
      const logdet = newDeviceTensorInfo(backend, [batch]);
      recordDispatch(backend, {
        name: `${AFFINE_COUPLING}/forward`,
        pipeline: pipelineFor(backend, 'dgm-affine-coupling-forward', () => FORWARD_WGSL),
        bindings: [x, shift, raw].map((t) => ({ buffer: bufferOf(backend, t) })).concat([{ buffer: y.buffer }, { buffer: logdet.buffer }, backend.makeUniforms([{ type: 'uint32', data: [perSample] }, { type: 'uint32', data: [batch] }])]),
        workgroups: workgroupGrid(backend, batch),
      });
      return [y.info, logdet.info];
    },
  });
  tf.registerKernel({
    kernelName: AFFINE_COUPLING_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend: b }) => {
      const backend = b as unknown as WebGpuBackendInternals;
      const { dy, dlogdet, x, raw } = inputs as unknown as Record<'dy' | 'dlogdet' | 'x' | 'raw', tf.TensorInfo>;
      const total = x.shape.reduce((a, c) => a * c, 1);
      const perSample = total / x.shape[0]!;
      const dx = newDeviceTensorInfo(backend, [...x.shape]);
      const draw = newDeviceTensorInfo(backend, [...x.shape]);
      recordDispatch(backend, {
        name: `${AFFINE_COUPLING}/backward`,
        pipeline: pipelineFor(backend, 'dgm-affine-coupling-backward', () => BACKWARD_WGSL),
        bindings: [dy, dlogdet, x, raw]
          .map((t) => ({ buffer: bufferOf(backend, t) }))
          .concat([{ buffer: dx.buffer }, { buffer: draw.buffer }, backend.makeUniforms([{ type: 'uint32', data: [perSample] }, { type: 'uint32', data: [total] }])]),
        workgroups: elementwiseGrid(backend, total),
      });
      return [dx.info, draw.info];
    },
  });
}
