import * as tf from '@tensorflow/tfjs';
import { bufferOf, newDeviceTensor, pipelineFor, recordDispatch, webGpuBackend, WORKGROUP, workgroupGrid } from './raw-dispatch.js';
import { WORKGROUP_INDEX_WGSL, WORKGROUP_SUM_WGSL } from './wgsl-snippets.js';

/** Activation applied after the affine GroupNorm output, fused into the same kernels. */
export type NormActivation = 'none' | 'silu';

export interface GroupNormActShape {
  groups: number;
  eps: number;
  activation: NormActivation;
}

const REDUCE_WGSL = `${WORKGROUP_SUM_WGSL}
${WORKGROUP_INDEX_WGSL}
fn activate(z: f32, act: u32) -> f32 {
  if (act == 1u) { return z / (1.0 + exp(-z)); }
  return z;
}
// Element i of group g's values in sample base (NHWC: position i / k, channel g·k + i mod k).
fn groupElement(base: u32, i: u32) -> u32 { return base + (i / u.k) * u.c + i % u.k; }
fn groupChannel(g: u32, i: u32) -> u32 { return g * u.k + i % u.k; }
fn activationSlope(z: f32, act: u32) -> f32 {
  if (act == 1u) { let s = 1.0 / (1.0 + exp(-z)); return s * (1.0 + z * (1.0 - s)); }
  return 1.0;
}`;

/**
 * The input as the kernels read it, `xAt(idx, b, ch)`: x itself, or in the offset variant x plus the offset of its
 * sample and channel (a resnet's time projection), so the sum is never written out.
 */
function inputWgsl(offsetBinding: number | null): string {
  if (offsetBinding === null) return 'fn xAt(idx: u32, b: u32, ch: u32) -> f32 { return x[idx]; }';
  return `@group(0) @binding(${offsetBinding}) var<storage, read> offset: array<f32>;
fn xAt(idx: u32, b: u32, ch: u32) -> f32 { return x[idx] + offset[b * u.c + ch]; }`;
}

const UNIFORMS = 'struct U { batch: u32, hw: u32, c: u32, groups: u32, k: u32, act: u32, eps: f32, pad: f32 }';

// One workgroup per (sample, group): two-pass mean and biased variance over H·W·(C/G) values, then the output.
const forwardWgsl = (withOffset: boolean) => `
${UNIFORMS}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> stats: array<f32>;
${inputWgsl(withOffset ? 5 : null)}
@group(0) @binding(${withOffset ? 6 : 5}) var<uniform> u: U;
${REDUCE_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wgId: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let pair = workgroupIndex(wgId, nwg);
  if (pair >= u.batch * u.groups) { return; }
  let b = pair / u.groups;
  let g = pair % u.groups;
  let m = u.hw * u.k;
  let base = b * u.hw * u.c + g * u.k;
  var s = 0.0;
  for (var i = lid; i < m; i += ${WORKGROUP}u) { s += xAt(groupElement(base, i), b, groupChannel(g, i)); }
  let mean = workgroupSum(s, lid) / f32(m);
  var q = 0.0;
  for (var i = lid; i < m; i += ${WORKGROUP}u) { let d = xAt(groupElement(base, i), b, groupChannel(g, i)) - mean; q += d * d; }
  let rstd = inverseSqrt(workgroupSum(q, lid) / f32(m) + u.eps);
  for (var i = lid; i < m; i += ${WORKGROUP}u) {
    let idx = groupElement(base, i);
    let ch = groupChannel(g, i);
    y[idx] = activate((xAt(idx, b, ch) - mean) * rstd * gamma[ch] + beta[ch], u.act);
  }
  if (lid == 0u) { stats[2u * pair] = mean; stats[2u * pair + 1u] = rstd; }
}`;

// Both backward kernels read dy, x, γ, β and the forward's statistics, and recompute x̂ and a = dy·act'(z) per element.
const BACKWARD_INPUTS_WGSL = `
${UNIFORMS}
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> stats: array<f32>;
${REDUCE_WGSL}
// (x̂, a) at element idx (sample b, channel ch), from its group's mean and 1/σ.
fn normalisedAndSlope(idx: u32, b: u32, ch: u32, mean: f32, rstd: f32) -> vec2<f32> {
  let xh = (xAt(idx, b, ch) - mean) * rstd;
  return vec2<f32>(xh, dy[idx] * activationSlope(xh * gamma[ch] + beta[ch], u.act));
}`;

// dx, one workgroup per (sample, group): dx = r·(aγ − mean(aγ) − x̂·mean(aγ·x̂)). The offset variant also writes
// the offset's gradient, dx summed over positions per channel: the group's k channels divide the workgroup (k a
// power of two ≤ WORKGROUP), so invocation lid only meets channel lid mod k, and a tree sum stopped at width k
// leaves each channel's total in acc[0 … k).
const backwardInputWgsl = (withOffset: boolean) => `
${BACKWARD_INPUTS_WGSL}
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
${inputWgsl(withOffset ? 6 : null)}
${withOffset ? '@group(0) @binding(7) var<storage, read_write> doffset: array<f32>;' : ''}
@group(0) @binding(${withOffset ? 8 : 6}) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wgId: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let pair = workgroupIndex(wgId, nwg);
  if (pair >= u.batch * u.groups) { return; }
  let b = pair / u.groups;
  let g = pair % u.groups;
  let m = u.hw * u.k;
  let base = b * u.hw * u.c + g * u.k;
  let mean = stats[2u * pair];
  let rstd = stats[2u * pair + 1u];
  var s1 = 0.0;
  var s2 = 0.0;
  for (var i = lid; i < m; i += ${WORKGROUP}u) {
    let ch = groupChannel(g, i);
    let xa = normalisedAndSlope(groupElement(base, i), b, ch, mean, rstd);
    let ag = xa.y * gamma[ch];
    s1 += ag;
    s2 += ag * xa.x;
  }
  let mean1 = workgroupSum(s1, lid) / f32(m);
  let mean2 = workgroupSum(s2, lid) / f32(m);
  ${withOffset ? 'var sd = 0.0;' : ''}
  for (var i = lid; i < m; i += ${WORKGROUP}u) {
    let idx = groupElement(base, i);
    let ch = groupChannel(g, i);
    let xa = normalisedAndSlope(idx, b, ch, mean, rstd);
    let d = rstd * (xa.y * gamma[ch] - mean1 - xa.x * mean2);
    dx[idx] = d;
    ${withOffset ? 'sd += d;' : ''}
  }${withOffset ? `
  workgroupBarrier();
  acc[lid] = sd;
  workgroupBarrier();
  for (var w = ${WORKGROUP / 2}u; w >= u.k; w >>= 1u) {
    if (lid < w) { acc[lid] += acc[lid + w]; }
    workgroupBarrier();
  }
  if (lid < u.k) { doffset[b * u.c + g * u.k + lid] = acc[lid]; }` : ''}
}`;

// dγ and dβ, one workgroup per channel: sums over samples and positions of a·x̂ and a.
const backwardAffineWgsl = (withOffset: boolean) => `
${BACKWARD_INPUTS_WGSL}
@group(0) @binding(5) var<storage, read_write> dgamma: array<f32>;
@group(0) @binding(6) var<storage, read_write> dbeta: array<f32>;
${inputWgsl(withOffset ? 7 : null)}
@group(0) @binding(${withOffset ? 8 : 7}) var<uniform> u: U;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let ch = wg.x;
  let g = ch / u.k;
  let n = u.batch * u.hw;
  var sx = 0.0;
  var sa = 0.0;
  for (var j = lid; j < n; j += ${WORKGROUP}u) {
    let b = j / u.hw;
    let w = b * u.groups + g;
    let xa = normalisedAndSlope(j * u.c + ch, b, ch, stats[2u * w], stats[2u * w + 1u]);
    sx += xa.y * xa.x;
    sa += xa.y;
  }
  let totalX = workgroupSum(sx, lid);
  let totalA = workgroupSum(sa, lid);
  if (lid == 0u) { dgamma[ch] = totalX; dbeta[ch] = totalA; }
}`;

function uniforms(shape: readonly number[], s: GroupNormActShape) {
  const [b, h, w, c] = shape as [number, number, number, number];
  return [
    { type: 'uint32' as const, data: [b] },
    { type: 'uint32' as const, data: [h * w] },
    { type: 'uint32' as const, data: [c] },
    { type: 'uint32' as const, data: [s.groups] },
    { type: 'uint32' as const, data: [c / s.groups] },
    { type: 'uint32' as const, data: [s.activation === 'silu' ? 1 : 0] },
    { type: 'float32' as const, data: [s.eps] },
    { type: 'float32' as const, data: [0] },
  ];
}

function checkShapes(x: tf.Tensor, gamma: tf.Tensor, s: GroupNormActShape, offset?: tf.Tensor): void {
  if (x.rank !== 4 || x.dtype !== 'float32') throw new Error(`GroupNorm kernel: expected a float32 NHWC tensor, got ${x.dtype} [${x.shape}]`);
  const c = x.shape[3]!;
  if (!Number.isInteger(s.groups) || s.groups < 1 || c % s.groups !== 0) throw new Error(`GroupNorm kernel: ${s.groups} groups do not divide ${c} channels`);
  if (gamma.size !== c) throw new Error(`GroupNorm kernel: ${gamma.size} affine weights for ${c} channels`);
  if (offset !== undefined && !groupNormOffsetFits(x.shape, s.groups)) {
    throw new Error(`GroupNorm kernel: no offset variant for ${c / s.groups} channels per group or this device's storage buffers`);
  }
  if (offset !== undefined && (offset.rank !== 2 || offset.shape[0] !== x.shape[0] || offset.shape[1] !== c)) {
    throw new Error(`GroupNorm kernel: the offset must be [${x.shape[0]}, ${c}] (per sample and channel), got [${offset.shape}]`);
  }
}

/** Storage buffers the offset variant's backward binds at most (dy, x, γ, β, stats, dx, offset, its gradient). */
const OFFSET_VARIANT_STORAGE_BUFFERS = 8;

/**
 * Whether the offset variant serves GroupNorm(x + offset) for this shape on the active webgpu device: its
 * gradient's per-channel sums need the group's channel count k to be a power of two no larger than a workgroup.
 */
export function groupNormOffsetFits(shape: readonly number[], groups: number): boolean {
  const k = shape[3]! / groups;
  const pow2 = Number.isInteger(k) && k >= 1 && k <= WORKGROUP && (k & (k - 1)) === 0;
  return pow2 && webGpuBackend().device.limits.maxStorageBuffersPerShaderStage >= OFFSET_VARIANT_STORAGE_BUFFERS;
}

const variant = (withOffset: boolean) => (withOffset ? '-offset' : '');

/**
 * y = act(GroupNorm(x)·γ + β) on NHWC in one dispatch; `stats` [B·G·2] holds each group's mean and 1/σ. With
 * `offset` [B, C] (groupNormOffsetFits) it normalises x + offset, added per sample and channel as it is read.
 */
export function groupNormActForward(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  s: GroupNormActShape,
  offset?: tf.Tensor2D,
): { y: tf.Tensor4D; stats: tf.Tensor1D } {
  checkShapes(x, gamma, s, offset);
  const backend = webGpuBackend();
  const [b] = x.shape;
  const withOffset = offset !== undefined;
  const y = newDeviceTensor(backend, [...x.shape]);
  const stats = newDeviceTensor(backend, [b * s.groups * 2]);
  recordDispatch(backend, {
    name: 'DgmGroupNorm/forward',
    pipeline: pipelineFor(backend, `dgm-group-norm-forward${variant(withOffset)}`, () => forwardWgsl(withOffset)),
    bindings: [
      { buffer: bufferOf(backend, x) },
      { buffer: bufferOf(backend, gamma) },
      { buffer: bufferOf(backend, beta) },
      { buffer: y.buffer },
      { buffer: stats.buffer },
      ...(withOffset ? [{ buffer: bufferOf(backend, offset) }] : []),
      backend.makeUniforms(uniforms(x.shape, s)),
    ],
    workgroups: workgroupGrid(backend, b * s.groups),
  });
  return { y: y.tensor as tf.Tensor4D, stats: stats.tensor as tf.Tensor1D };
}

/**
 * The gradients of groupNormActForward's y (cotangent dy) in two dispatches, from its input and `stats`; with the
 * forward's `offset`, also the offset's gradient (dx summed over positions), written by the first of them.
 */
export function groupNormActBackward(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  stats: tf.Tensor1D,
  s: GroupNormActShape,
  offset?: tf.Tensor2D,
): { dx: tf.Tensor4D; dgamma: tf.Tensor1D; dbeta: tf.Tensor1D; doffset?: tf.Tensor2D } {
  checkShapes(x, gamma, s, offset);
  const backend = webGpuBackend();
  const [b, , , c] = x.shape;
  const withOffset = offset !== undefined;
  const inputs = [dy, x, gamma, beta, stats].map((t) => ({ buffer: bufferOf(backend, t) }));
  const offsetInput = withOffset ? [{ buffer: bufferOf(backend, offset) }] : [];
  const dx = newDeviceTensor(backend, [...x.shape]);
  const doffset = withOffset ? newDeviceTensor(backend, [b, c]) : undefined;
  const dgamma = newDeviceTensor(backend, [c]);
  const dbeta = newDeviceTensor(backend, [c]);
  recordDispatch(backend, {
    name: 'DgmGroupNorm/backwardInput',
    pipeline: pipelineFor(backend, `dgm-group-norm-backward-input${variant(withOffset)}`, () => backwardInputWgsl(withOffset)),
    bindings: [...inputs, { buffer: dx.buffer }, ...offsetInput, ...(doffset ? [{ buffer: doffset.buffer }] : []), backend.makeUniforms(uniforms(x.shape, s))],
    workgroups: workgroupGrid(backend, b * s.groups),
  });
  recordDispatch(backend, {
    name: 'DgmGroupNorm/backwardAffine',
    pipeline: pipelineFor(backend, `dgm-group-norm-backward-affine${variant(withOffset)}`, () => backwardAffineWgsl(withOffset)),
    bindings: [...inputs, { buffer: dgamma.buffer }, { buffer: dbeta.buffer }, ...offsetInput, backend.makeUniforms(uniforms(x.shape, s))],
    workgroups: [c],
  });
  return {
    dx: dx.tensor as tf.Tensor4D,
    dgamma: dgamma.tensor as tf.Tensor1D,
    dbeta: dbeta.tensor as tf.Tensor1D,
    ...(doffset ? { doffset: doffset.tensor as tf.Tensor2D } : {}),
  };
}
