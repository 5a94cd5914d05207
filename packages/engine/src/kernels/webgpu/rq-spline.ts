import * as tf from '@tensorflow/tfjs';
import { bufferOf, elementwiseGrid, newDeviceTensorInfo, pipelineFor, recordDispatch, WORKGROUP, workgroupGrid, type WebGpuBackendInternals } from './raw-dispatch.js';
import { FLAT_INDEX_WGSL, WORKGROUP_INDEX_WGSL, WORKGROUP_SUM_WGSL } from './wgsl-snippets.js';

/**
 * Kernel names: forward [x, params] → [outputs, logabsdet per sample]; its gradient's kernel [dy, dlogabsdet, x,
 * params] → [dx, dparams]. Attributes: RqSplineAttrs.
 */
export const RQ_SPLINE = 'DgmRqSpline';
export const RQ_SPLINE_GRAD = 'DgmRqSplineGrad';

/**
 * The spline's settings as kernel attributes. `params` holds P = 3K − 1 raw values per element of x, contiguous
 * (element e at e·P): K widths and K heights (both multiplied by `binScale` before their softmax), then the K − 1
 * interior derivatives.
 */
export interface RqSplineAttrs {
  numBins: number;
  inverse: boolean;
  tailBound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
  binScale: number;
}

/**
 * One element's spline, everything in registers (K is small): softmax of the raw widths and heights, their knots
 * (first −B, last pinned to B, the others 2B·cumsum − B), the bin (the last knot ≤ x; nflows' searchsorted), the
 * bin's derivatives (softplus + minD inside, 1 at the two ends), then the rational-quadratic map or its inverse.
 * `splineAdjoint` is reverse-mode differentiation of the forward map in the bin's own quantities; the inverse's
 * gradient follows from it by the implicit function theorem (the root θ solves forward(θ) = y).
 */
function elementWgsl(k: number): string {
  return `
const K: u32 = ${k}u;
const K1: u32 = ${k + 1}u;
fn softplus(v: f32) -> f32 { return max(v, 0.0) + log(1.0 + exp(-abs(v))); }
fn sigmoid(v: f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }

// Softmax of the K raw sizes at params[first…] (times binScale) into p, and the K + 1 knots.
fn knotsOf(first: u32, minSize: f32, p: ptr<function, array<f32, ${k}>>, knots: ptr<function, array<f32, ${k + 1}>>) {
  var m = -3.0e38;
  for (var i = 0u; i < K; i++) { m = max(m, params[first + i] * u.binScale); }
  var total = 0.0;
  for (var i = 0u; i < K; i++) { let e = exp(params[first + i] * u.binScale - m); (*p)[i] = e; total += e; }
  var c = 0.0;
  (*knots)[0] = -u.bound;
  for (var i = 0u; i < K; i++) {
    (*p)[i] = (*p)[i] / total;
    c += minSize + (1.0 - minSize * f32(K)) * (*p)[i];
    (*knots)[i + 1u] = 2.0 * u.bound * c - u.bound;
  }
  (*knots)[K] = u.bound;
}

// The bin of v: the last knot ≤ v among knots 0…K−1 (v is inside [−B, B]).
fn binOf(v: f32, knots: ptr<function, array<f32, ${k + 1}>>) -> u32 {
  var bin = 0u;
  for (var j = 1u; j < K; j++) { if (v >= (*knots)[j]) { bin = j; } }
  return bin;
}

// Derivative at the lower (end = 0u) or upper (end = 1u) knot of the bin: 1 at the spline's two ends.
fn derivativeAt(base: u32, bin: u32, end: u32) -> f32 {
  let knot = bin + end;
  if (knot == 0u || knot == K) { return 1.0; }
  return u.minD + softplus(params[base + 2u * K + knot - 1u]);
}

// Forward map in a bin: out = ch + h(δθ² + d0 t)/(δ + S t), ld = ln(δ²(d1 θ² + 2δ t + d0 (1−θ)²)) − 2 ln(δ + S t),
// with t = θ(1 − θ) and S = d0 + d1 − 2δ.
fn forwardOut(th: f32, ch: f32, h: f32, dl: f32, d0: f32, d1: f32) -> f32 {
  let t = th * (1.0 - th);
  return ch + h * (dl * th * th + d0 * t) / (dl + (d0 + d1 - 2.0 * dl) * t);
}
fn forwardLogDet(th: f32, dl: f32, d0: f32, d1: f32) -> f32 {
  let t = th * (1.0 - th);
  let a = d1 * th * th + 2.0 * dl * t + d0 * (1.0 - th) * (1.0 - th);
  return log(dl * dl * a) - 2.0 * log(dl + (d0 + d1 - 2.0 * dl) * t);
}

// Cotangents of (θ, ch, h, δ, d0, d1) for gO·out + gL·ld of the forward map.
struct Adj { th: f32, ch: f32, h: f32, dl: f32, d0: f32, d1: f32 }
fn splineAdjoint(th: f32, h: f32, dl: f32, d0: f32, d1: f32, gO: f32, gL: f32) -> Adj {
  let t = th * (1.0 - th);
  let s = d0 + d1 - 2.0 * dl;
  let inner = dl * th * th + d0 * t;
  let num = h * inner;
  let den = dl + s * t;
  let a = d1 * th * th + 2.0 * dl * t + d0 * (1.0 - th) * (1.0 - th);
  let aNum = gO / den;
  let aDen = -gO * num / (den * den) - 2.0 * gL / den;
  let aA = gL / a;
  var r = Adj(0.0, gO, aNum * inner, 2.0 * gL / dl, 0.0, 0.0);
  var aT = 0.0;
  r.dl += aNum * h * th * th; r.th += aNum * h * 2.0 * dl * th; r.d0 += aNum * h * t; aT += aNum * h * d0;
  r.dl += aDen; let aS = aDen * t; aT += aDen * s;
  r.d1 += aA * th * th; r.th += aA * (2.0 * d1 * th - 2.0 * d0 * (1.0 - th)); r.dl += aA * 2.0 * t; aT += aA * 2.0 * dl;
  r.d0 += aA * (1.0 - th) * (1.0 - th);
  r.d0 += aS; r.d1 += aS; r.dl -= 2.0 * aS;
  r.th += aT * (1.0 - 2.0 * th);
  return r;
}

// The inverse map's root θ in the bin for output value v.
fn inverseRoot(v: f32, ch: f32, h: f32, dl: f32, d0: f32, d1: f32) -> f32 {
  let dy = v - ch;
  let s = d0 + d1 - 2.0 * dl;
  let a = dy * s + h * (dl - d0);
  let b = h * d0 - dy * s;
  let c = -dl * dy;
  let disc = max(b * b - 4.0 * a * c, 0.0);
  return 2.0 * c / (-b - sqrt(disc));
}`;
}

/**
 * The element's knots (with their softmax probabilities pw, ph) and its bin's quantities, for element value v with
 * parameters at params[base…]: lower knots cw, ch, sizes w, h, slope δ = dl, end derivatives d0, d1.
 */
function binOfElement(k: number, inverse: boolean): string {
  return `var pw: array<f32, ${k}>; var kw: array<f32, ${k + 1}>;
  var ph: array<f32, ${k}>; var kh: array<f32, ${k + 1}>;
  knotsOf(base, u.minW, &pw, &kw);
  knotsOf(base + K, u.minH, &ph, &kh);
  let bin = binOf(v, ${inverse ? '&kh' : '&kw'});
  let cw = kw[bin]; let w = kw[bin + 1u] - cw;
  let ch = kh[bin]; let h = kh[bin + 1u] - ch;
  let dl = h / w;
  let d0 = derivativeAt(base, bin, 0u); let d1 = derivativeAt(base, bin, 1u);`;
}

const UNIFORMS = `bound: f32, minW: f32, minH: f32, minD: f32, binScale: f32`;

function forwardWgsl(k: number, inverse: boolean): string {
  return `
struct U { perSample: u32, batch: u32, ${UNIFORMS} }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> logdet: array<f32>;
@group(0) @binding(4) var<uniform> u: U;
${WORKGROUP_SUM_WGSL}
${WORKGROUP_INDEX_WGSL}
${elementWgsl(k)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wgId: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let sample = workgroupIndex(wgId, nwg);
  if (sample >= u.batch) { return; }
  let first = sample * u.perSample;
  var s = 0.0;
  for (var e = lid; e < u.perSample; e += ${WORKGROUP}u) {
    let i = first + e;
    let v = x[i];
    if (v < -u.bound || v > u.bound) { y[i] = v; continue; }
    let base = i * (3u * K - 1u);
    ${binOfElement(k, inverse)}
    ${
      inverse
        ? `let th = inverseRoot(v, ch, h, dl, d0, d1);
    y[i] = th * w + cw;
    s -= forwardLogDet(th, dl, d0, d1);`
        : `let th = (v - cw) / w;
    y[i] = forwardOut(th, ch, h, dl, d0, d1);
    s += forwardLogDet(th, dl, d0, d1);`
    }
  }
  let total = workgroupSum(s, lid);
  if (lid == 0u) { logdet[sample] = total; }
}`;
}

function backwardWgsl(k: number, inverse: boolean): string {
  return `
struct U { perSample: u32, total: u32, ${UNIFORMS} }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> dlogdet: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> params: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
@group(0) @binding(5) var<storage, read_write> dparams: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
${FLAT_INDEX_WGSL}
${elementWgsl(k)}

// Cotangents of the lower and upper knot of the bin → the raw sizes (knots = 2B·cumsum(sizes) − B, sizes =
// minSize + (1 − minSize·K)·softmax(binScale·raw)), written to dparams[first…].
fn rawSizeGradients(first: u32, bin: u32, aLo: f32, aHi: f32, minSize: f32, p: ptr<function, array<f32, ${k}>>) {
  var aP: array<f32, ${k}>;
  var dot = 0.0;
  for (var i = 0u; i < K; i++) {
    var aSize = 0.0;
    if (bin > 0u && i < bin) { aSize += aLo; }
    if (bin + 1u < K && i <= bin) { aSize += aHi; }
    aP[i] = 2.0 * u.bound * (1.0 - minSize * f32(K)) * aSize;
    dot += (*p)[i] * aP[i];
  }
  for (var i = 0u; i < K; i++) { dparams[first + i] = (*p)[i] * (aP[i] - dot) * u.binScale; }
}

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= u.total) { return; }
  let base = i * (3u * K - 1u);
  let v = x[i];
  let gO = dy[i];
  if (v < -u.bound || v > u.bound) {
    dx[i] = gO;
    for (var j = 0u; j < 3u * K - 1u; j++) { dparams[base + j] = 0.0; }
    return;
  }
  let gL = dlogdet[i / u.perSample];
  ${binOfElement(k, inverse)}
  var aCw = 0.0; var aW = 0.0; var aCh = 0.0; var aH = 0.0; var aDl = 0.0; var aD0 = 0.0; var aD1 = 0.0;
  ${
    inverse
      ? `// out = θ·w + cw and ld = −forward ld(θ), θ implicit: forwardOut(θ; ch, h, δ, d0, d1) = v.
  let th = inverseRoot(v, ch, h, dl, d0, d1);
  let direct = splineAdjoint(th, h, dl, d0, d1, 0.0, -gL);
  let f = splineAdjoint(th, h, dl, d0, d1, 1.0, 0.0);
  let aTh = gO * w + direct.th;
  let m = aTh / f.th;
  dx[i] = m;
  aCw = gO; aW = gO * th;
  aCh = -m * f.ch; aH = direct.h - m * f.h; aDl = direct.dl - m * f.dl; aD0 = direct.d0 - m * f.d0; aD1 = direct.d1 - m * f.d1;`
      : `let th = (v - cw) / w;
  let r = splineAdjoint(th, h, dl, d0, d1, gO, gL);
  dx[i] = r.th / w;
  aCw = -r.th / w; aW = -r.th * th / w;
  aCh = r.ch; aH = r.h; aDl = r.dl; aD0 = r.d0; aD1 = r.d1;`
  }
  // δ = h / w; w and h are differences of knots.
  aH += aDl / w;
  aW -= aDl * dl / w;
  rawSizeGradients(base, bin, aCw - aW, aW, u.minW, &pw);
  rawSizeGradients(base + K, bin, aCh - aH, aH, u.minH, &ph);
  for (var j = 0u; j + 1u < K; j++) {
    var g = 0.0;
    if (j + 1u == bin) { g = aD0; }
    if (j == bin) { g = aD1; }
    dparams[base + 2u * K + j] = g * sigmoid(params[base + 2u * K + j]);
  }
}`;
}

function settingUniforms(a: RqSplineAttrs): Array<{ type: 'float32'; data: number[] }> {
  return [a.tailBound, a.minBinWidth, a.minBinHeight, a.minDerivative, a.binScale].map((v) => ({ type: 'float32' as const, data: [v] }));
}

const variant = (a: RqSplineAttrs) => `k${a.numBins}-${a.inverse ? 'inverse' : 'forward'}`;

let registered = false;

/** Registers both kernels for webgpu (idempotent). */
export function registerRqSplineKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerKernel({
    kernelName: RQ_SPLINE,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as unknown as WebGpuBackendInternals;
      const a = attrs as unknown as RqSplineAttrs;
      const { x, params } = inputs as unknown as Record<'x' | 'params', tf.TensorInfo>;
      const batch = x.shape[0]!;
      const perSample = x.shape.slice(1).reduce((p, c) => p * c, 1);
      const y = newDeviceTensorInfo(backend, [...x.shape]);
      const logdet = newDeviceTensorInfo(backend, [batch]);
      recordDispatch(backend, {
        name: `${RQ_SPLINE}/forward`,
        pipeline: pipelineFor(backend, `dgm-rq-spline-forward-${variant(a)}`, () => forwardWgsl(a.numBins, a.inverse)),
        bindings: [
          { buffer: bufferOf(backend, x) },
          { buffer: bufferOf(backend, params) },
          { buffer: y.buffer },
          { buffer: logdet.buffer },
          backend.makeUniforms([{ type: 'uint32', data: [perSample] }, { type: 'uint32', data: [batch] }, ...settingUniforms(a)]),
        ],
        workgroups: workgroupGrid(backend, batch),
      });
      return [y.info, logdet.info];
    },
  });
  tf.registerKernel({
    kernelName: RQ_SPLINE_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend: b, attrs }) => {
      const backend = b as unknown as WebGpuBackendInternals;
      const a = attrs as unknown as RqSplineAttrs;
      const { dy, dlogdet, x, params } = inputs as unknown as Record<'dy' | 'dlogdet' | 'x' | 'params', tf.TensorInfo>;
      const total = x.shape.reduce((p, c) => p * c, 1);
      const perSample = total / x.shape[0]!;
      const dx = newDeviceTensorInfo(backend, [...x.shape]);
      const dparams = newDeviceTensorInfo(backend, [...params.shape]);
      recordDispatch(backend, {
        name: `${RQ_SPLINE}/backward`,
        pipeline: pipelineFor(backend, `dgm-rq-spline-backward-${variant(a)}`, () => backwardWgsl(a.numBins, a.inverse)),
        bindings: [dy, dlogdet, x, params]
          .map((t) => ({ buffer: bufferOf(backend, t) }))
          .concat([
            { buffer: dx.buffer },
            { buffer: dparams.buffer },
            backend.makeUniforms([{ type: 'uint32', data: [perSample] }, { type: 'uint32', data: [total] }, ...settingUniforms(a)]),
          ]),
        workgroups: elementwiseGrid(backend, total),
      });
      return [dx.info, dparams.info];
    },
  });
}
