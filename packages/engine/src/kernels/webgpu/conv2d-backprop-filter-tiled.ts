import * as tf from '@tensorflow/tfjs';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { bufferOf, elementwiseGrid, newDeviceTensorInfo, pipelineFor, recordDispatch, WORKGROUP, type WebGpuBackendInternals } from './raw-dispatch.js';
import { FLAT_INDEX_WGSL } from './wgsl-snippets.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

// dW as an implicit GEMM: dW[m, n] = Σ_k A[m, k]·B[k, n] with m = (kh, kw, ci) (HWIO order), n = co,
// k = (batch, oy, ox); A[m, k] = x[b, oy·sh + kh − padT, ox·sw + kw − padL, ci] (0 outside the image), B = dy as
// [B·OH·OW, CO] rows. Workgroups of 16 × 8 = 128 invocations (the compatibility limit) compute 32 × 32 tiles of dW,
// 2 × 4 values each, from 16-deep slices of A and B staged in workgroup memory: each x and dy value read from
// global memory serves 32 products instead of one (tfjs's own kernel reads both for every product).
// Split-K: when the dW tiles alone are few workgroups (small filters, e.g. 64 → 64 channels 3×3 is 36 tiles) and
// k = batch·OH·OW is long, the k range is cut into slices, one workgroup layer each (dispatch z), whose partial dW
// are summed by a second dispatch, so a large GPU gets about SPLIT_TARGET workgroups; each slice keeps at least
// SPLIT_MIN_K of k (16 staged steps) to amortise its tile loads and the extra pass.
const TILE_M = 32;
const TILE_N = 32;
const TILE_K = 16;
const SPLIT_TARGET = 512;
const SPLIT_MIN_K = 256;

/** The k length of each slice (a multiple of TILE_K) and the slice count for a dW of m × n over k. */
export function splitK(m: number, n: number, k: number): { kPerSlice: number; slices: number } {
  const tiles = Math.ceil(m / TILE_M) * Math.ceil(n / TILE_N);
  const wanted = Math.max(1, Math.min(Math.ceil(SPLIT_TARGET / tiles), Math.floor(k / SPLIT_MIN_K)));
  const kPerSlice = Math.max(TILE_K, Math.ceil(Math.ceil(k / wanted) / TILE_K) * TILE_K);
  return { kPerSlice, slices: Math.max(1, Math.ceil(k / kPerSlice)) };
}

const WGSL = `
struct U { batch: u32, h: u32, w: u32, ci: u32, oh: u32, ow: u32, co: u32, kw: u32, sh: u32, sw: u32, padT: i32, padL: i32, m: u32, n: u32, k: u32, kPerSlice: u32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;
@group(0) @binding(3) var<uniform> u: U;
var<workgroup> As: array<f32, ${TILE_K * TILE_M}>;
var<workgroup> Bs: array<f32, ${TILE_K * TILE_N}>;

fn loadA(m: u32, k: u32, kEnd: u32) -> f32 {
  if (m >= u.m || k >= kEnd) { return 0.0; }
  let kh = m / (u.kw * u.ci);
  let rem = m % (u.kw * u.ci);
  let kw = rem / u.ci;
  let c = rem % u.ci;
  let b = k / (u.oh * u.ow);
  let r = k % (u.oh * u.ow);
  let iy = i32((r / u.ow) * u.sh + kh) - u.padT;
  let ix = i32((r % u.ow) * u.sw + kw) - u.padL;
  if (iy < 0 || ix < 0 || iy >= i32(u.h) || ix >= i32(u.w)) { return 0.0; }
  return x[((b * u.h + u32(iy)) * u.w + u32(ix)) * u.ci + c];
}

fn loadB(k: u32, n: u32, kEnd: u32) -> f32 {
  if (k >= kEnd || n >= u.n) { return 0.0; }
  return dy[k * u.co + n];
}

@compute @workgroup_size(8, 16)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let m0 = wg.y * ${TILE_M}u;
  let n0 = wg.x * ${TILE_N}u;
  let tm = lid3.y * 2u;
  let tn = lid3.x * 4u;
  // This workgroup's slice of k (all of it unless split).
  let kBegin = wg.z * u.kPerSlice;
  let kEnd = min(u.k, kBegin + u.kPerSlice);
  var acc: array<array<f32, 4>, 2>;
  for (var k0 = kBegin; k0 < kEnd; k0 += ${TILE_K}u) {
    for (var j = 0u; j < 4u; j += 1u) {
      let l = lid + j * 128u;
      let kk = l / ${TILE_M}u;
      let mm = l % ${TILE_M}u;
      As[kk * ${TILE_M}u + mm] = loadA(m0 + mm, k0 + kk, kEnd);
      Bs[kk * ${TILE_N}u + mm] = loadB(k0 + kk, n0 + mm, kEnd);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TILE_K}u; kk += 1u) {
      let a0 = As[kk * ${TILE_M}u + tm];
      let a1 = As[kk * ${TILE_M}u + tm + 1u];
      for (var c = 0u; c < 4u; c += 1u) {
        let bv = Bs[kk * ${TILE_N}u + tn + c];
        acc[0][c] += a0 * bv;
        acc[1][c] += a1 * bv;
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 2u; r += 1u) {
    for (var c = 0u; c < 4u; c += 1u) {
      let m = m0 + tm + r;
      let n = n0 + tn + c;
      if (m < u.m && n < u.n) { dw[wg.z * u.m * u.n + m * u.n + n] = acc[r][c]; }
    }
  }
}`;

// Split-K's second pass: dW[i] = Σ_s partial[s, i].
const SUM_SLICES_WGSL = `
struct U { size: u32, slices: u32 }
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
${FLAT_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= u.size) { return; }
  var s = 0.0;
  for (var j = 0u; j < u.slices; j += 1u) { s += partial[j * u.size + i]; }
  dw[i] = s;
}`;

/**
 * Replaces tfjs-webgpu's Conv2DBackpropFilter (one invocation per filter value, reading x and dy from global memory
 * for every product) with the tiled implicit GEMM above, for NHWC (every conv of our models); anything else, and
 * everything while the engine's own kernels are off, is the stock kernel. Still one dispatch. Idempotent.
 */
export function registerTiledConv2dBackpropFilter(): void {
  replaceWebGpuKernel(tf.Conv2DBackpropFilter, (stock) => (args) => {
    const { x, dy } = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!ownWebGpuKernelsActive() || dataFormat !== 'NHWC' || x.dtype !== 'float32') return stock.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const backend = args.backend as unknown as WebGpuBackendInternals;
    const m = info.filterHeight * info.filterWidth * info.inChannels;
    const n = info.outChannels;
    const k = info.batchSize * info.outHeight * info.outWidth;
    const out = newDeviceTensorInfo(backend, [...filterShape]);
    const { kPerSlice, slices } = splitK(m, n, k);
    // Split: the slices' partial dW go to a scratch tensor, released once the submit that sums them has run.
    const partial = slices > 1 ? newDeviceTensorInfo(backend, [slices, m * n]) : out;
    const u32 = (v: number) => ({ type: 'uint32' as const, data: [v] });
    const i32 = (v: number) => ({ type: 'int32' as const, data: [v] });
    recordDispatch(backend, {
      name: 'Conv2DBackpropFilter/dgmTiled',
      pipeline: pipelineFor(backend, 'dgm-conv2d-backprop-filter-tiled', () => WGSL),
      bindings: [
        { buffer: bufferOf(backend, x) },
        { buffer: bufferOf(backend, dy) },
        { buffer: partial.buffer },
        backend.makeUniforms([
          u32(info.batchSize), u32(info.inHeight), u32(info.inWidth), u32(info.inChannels),
          u32(info.outHeight), u32(info.outWidth), u32(info.outChannels), u32(info.filterWidth),
          u32(info.strideHeight), u32(info.strideWidth), i32(info.padInfo.top), i32(info.padInfo.left),
          u32(m), u32(n), u32(k), u32(kPerSlice),
        ]),
      ],
      workgroups: [Math.ceil(n / TILE_N), Math.ceil(m / TILE_M), slices],
    });
    if (slices > 1) {
      recordDispatch(backend, {
        name: 'Conv2DBackpropFilter/dgmSumSlices',
        pipeline: pipelineFor(backend, 'dgm-conv2d-backprop-filter-sum-slices', () => SUM_SLICES_WGSL),
        bindings: [{ buffer: partial.buffer }, { buffer: out.buffer }, backend.makeUniforms([u32(m * n), u32(slices)])],
        workgroups: elementwiseGrid(backend, m * n),
      });
      backend.disposeData(partial.info.dataId);
    }
    return out.info;
  });
}
