import * as tf from '@tensorflow/tfjs';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { bufferOf, newDeviceTensorInfo, pipelineFor, recordDispatch, WORKGROUP, type WebGpuBackendInternals } from './raw-dispatch.js';
import { WORKGROUP_SUM_WGSL } from './wgsl-snippets.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

// x viewed as [rows, cols]; out[c] = Σ_r x[r, c]. One workgroup per column (many rows) …
const WORKGROUP_PER_COLUMN_WGSL = `
struct U { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
${WORKGROUP_SUM_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var r = lid; r < u.rows; r += ${WORKGROUP}u) { s += x[r * u.cols + wg.x]; }
  let total = workgroupSum(s, lid);
  if (lid == 0u) { out[wg.x] = total; }
}`;

// … or one invocation per column (few rows, or more columns than a dispatch dimension holds workgroups).
const INVOCATION_PER_COLUMN_WGSL = `
struct U { rows: u32, cols: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c = gid.x;
  if (c >= u.cols) { return; }
  var s = 0.0;
  for (var r = 0u; r < u.rows; r += 1u) { s += x[r * u.cols + c]; }
  out[c] = s;
}`;

/** The reduced axes when they are exactly the leading k of the tensor's (0 < k < rank), else null. */
export function leadingAxes(shape: readonly number[], axis: number | number[]): number | null {
  const rank = shape.length;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length >= rank) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

/**
 * tfjs-webgpu sums over leading axes (a bias gradient: [B, H, W, C] → [C]) as a transpose and a reduction, two
 * dispatches; this replaces them with one column sum. Every other Sum is the stock kernel; so is every Sum while
 * the engine's own kernels are off. Idempotent; call with the webgpu backend registered.
 */
export function registerWebGpuLeadingAxesSum(): void {
  replaceWebGpuKernel(tf.Sum, (stock) => (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const k = x.dtype === 'float32' && ownWebGpuKernelsActive() ? leadingAxes(x.shape, axis) : null;
    const backend = args.backend as unknown as WebGpuBackendInternals;
    const rows = k === null ? 0 : x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const cols = k === null ? 0 : x.shape.slice(k).reduce((a, b) => a * b, 1);
    const perInvocation = rows < 64 || cols > backend.device.limits.maxComputeWorkgroupsPerDimension;
    if (k === null || rows === 0 || cols === 0 || (perInvocation && Math.ceil(cols / WORKGROUP) > backend.device.limits.maxComputeWorkgroupsPerDimension)) {
      return stock.kernelFunc(args);
    }
    const shape = keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
    const out = newDeviceTensorInfo(backend, shape);
    recordDispatch(backend, {
      name: perInvocation ? 'Sum/dgmColumnSumThin' : 'Sum/dgmColumnSum',
      pipeline: perInvocation
        ? pipelineFor(backend, 'dgm-column-sum-thin', () => INVOCATION_PER_COLUMN_WGSL)
        : pipelineFor(backend, 'dgm-column-sum', () => WORKGROUP_PER_COLUMN_WGSL),
      bindings: [{ buffer: bufferOf(backend, x) }, { buffer: out.buffer }, backend.makeUniforms([{ type: 'uint32', data: [rows] }, { type: 'uint32', data: [cols] }])],
      workgroups: [perInvocation ? Math.ceil(cols / WORKGROUP) : cols],
    });
    return out.info;
  });
}
