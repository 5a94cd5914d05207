import * as tf from '@tensorflow/tfjs';
import { bufferOf, elementwiseGrid, newDeviceTensor, pipelineFor, recordDispatch, webGpuBackend, WORKGROUP, workgroupGrid } from './raw-dispatch.js';
import { FLAT_INDEX_WGSL, WORKGROUP_INDEX_WGSL, WORKGROUP_SUM_WGSL } from './wgsl-snippets.js';

const RELU_GRAD_WGSL = `
struct U { total: u32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
${FLAT_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= u.total) { return; }
  dx[i] = select(0.0, dy[i], x[i] > 0.0);
}`;

/** dy·[x > 0] in one dispatch (tfjs: a Step and a Mul). */
export function reluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const backend = webGpuBackend();
  const out = newDeviceTensor(backend, [...x.shape]);
  recordDispatch(backend, {
    name: 'DgmRelu/backward',
    pipeline: pipelineFor(backend, 'dgm-relu-grad', () => RELU_GRAD_WGSL),
    bindings: [{ buffer: bufferOf(backend, dy) }, { buffer: bufferOf(backend, x) }, { buffer: out.buffer }, backend.makeUniforms([{ type: 'uint32', data: [x.size] }])],
    workgroups: elementwiseGrid(backend, x.size),
  });
  return out.tensor;
}

// log N(z; 0, I) per sample: −½ Σ z² − ½ d ln 2π, one workgroup per sample.
const NORMAL_LOG_PROB_WGSL = `
struct U { perSample: u32, batch: u32, constant: f32 }
@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
${WORKGROUP_SUM_WGSL}
${WORKGROUP_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wgId: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let sample = workgroupIndex(wgId, nwg);
  if (sample >= u.batch) { return; }
  let base = sample * u.perSample;
  var s = 0.0;
  for (var i = lid; i < u.perSample; i += ${WORKGROUP}u) { let v = z[base + i]; s += v * v; }
  let total = workgroupSum(s, lid);
  if (lid == 0u) { out[sample] = -0.5 * total - u.constant; }
}`;

/** Per-sample standard normal log-density of z [B, …] in one dispatch. */
export function standardNormalLogProbKernel(z: tf.Tensor): tf.Tensor1D {
  const backend = webGpuBackend();
  const batch = z.shape[0]!;
  const perSample = z.size / batch;
  const out = newDeviceTensor(backend, [batch]);
  recordDispatch(backend, {
    name: 'DgmNormalLogProb/forward',
    pipeline: pipelineFor(backend, 'dgm-normal-log-prob', () => NORMAL_LOG_PROB_WGSL),
    bindings: [{ buffer: bufferOf(backend, z) }, { buffer: out.buffer }, backend.makeUniforms([{ type: 'uint32', data: [perSample] }, { type: 'uint32', data: [batch] }, { type: 'float32', data: [0.5 * perSample * Math.log(2 * Math.PI)] }])],
    workgroups: workgroupGrid(backend, batch),
  });
  return out.tensor as tf.Tensor1D;
}

const NORMAL_LOG_PROB_GRAD_WGSL = `
struct U { perSample: u32, total: u32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read_write> dz: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
${FLAT_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= u.total) { return; }
  dz[i] = -dy[i / u.perSample] * z[i];
}`;

/** Its gradient: dz = −dy_b·z, one dispatch. */
export function standardNormalLogProbGradKernel(dy: tf.Tensor1D, z: tf.Tensor): tf.Tensor {
  const backend = webGpuBackend();
  const out = newDeviceTensor(backend, [...z.shape]);
  recordDispatch(backend, {
    name: 'DgmNormalLogProb/backward',
    pipeline: pipelineFor(backend, 'dgm-normal-log-prob-grad', () => NORMAL_LOG_PROB_GRAD_WGSL),
    bindings: [{ buffer: bufferOf(backend, dy) }, { buffer: bufferOf(backend, z) }, { buffer: out.buffer }, backend.makeUniforms([{ type: 'uint32', data: [z.size / z.shape[0]!] }, { type: 'uint32', data: [z.size] }])],
    workgroups: elementwiseGrid(backend, z.size),
  });
  return out.tensor;
}
