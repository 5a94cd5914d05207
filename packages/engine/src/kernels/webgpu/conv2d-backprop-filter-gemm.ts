import * as tf from '@tensorflow/tfjs';
import { recordGemm } from './gemm-dispatch.js';
import { COLUMN_BY_INDEX_WGSL } from './gemm-wgsl.js';
import { chooseSplitKTiling, gemmMode, splitK, tileCols, tileRows } from './gemm-tiling.js';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { uniformI32, uniformU32, type WebGpuBackendInternals } from './raw-dispatch.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

// dW as an implicit GEMM: dW[m, n] = Σ_k A[m, k]·B[k, n] with m = (kh, kw, ci) (HWIO order), n = co,
// k = (batch, oy, ox); A[m, k] = x[b, oy·sh + kh − padT, ox·sw + kw − padL, ci] (0 outside the image), B = dy as
// [B·OH·OW, CO] rows. A short, wide output over a long k (a 64 → 64 3×3 filter is 576 × 64 over batch·H·W), so
// k is split (splitK) until a large card has workgroups enough, and a second pass sums the slices.
const OPERANDS = (uniforms: number) => `
struct U { m: u32, n: u32, k: u32, kPerSlice: u32, h: u32, w: u32, ci: u32, oh: u32, ow: u32, kw: u32, sh: u32, sw: u32, padT: i32, padL: i32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(${uniforms}) var<uniform> u: U;
// Row m = (kh, kw, ci): the tap's offsets and the channel.
struct RowA { kh: u32, kw: u32, c: u32, ok: bool }
fn rowA(batch: u32, m: u32) -> RowA {
  let rem = m % (u.kw * u.ci);
  return RowA(m / (u.kw * u.ci), rem / u.ci, rem % u.ci, m < u.m);
}
fn loadA(r: RowA, k: u32) -> f32 {
  if (!r.ok || k >= u.k) { return 0.0; }
  let b = k / (u.oh * u.ow);
  let q = k % (u.oh * u.ow);
  let iy = i32((q / u.ow) * u.sh + r.kh) - u.padT;
  let ix = i32((q % u.ow) * u.sw + r.kw) - u.padL;
  if (iy < 0 || ix < 0 || iy >= i32(u.h) || ix >= i32(u.w)) { return 0.0; }
  return x[((b * u.h + u32(iy)) * u.w + u32(ix)) * u.ci + r.c];
}
${COLUMN_BY_INDEX_WGSL}
fn loadB(c: ColB, k: u32) -> f32 {
  if (!c.ok || k >= u.k) { return 0.0; }
  return dy[k * u.n + c.n];
}`;

/**
 * Replaces tfjs-webgpu's Conv2DBackpropFilter (one invocation per filter value, reading x and dy from global memory
 * for every product) with the register-blocked GEMM above, split over k, for NHWC float32 (every conv of our models);
 * anything else, `DGM_WEBGPU_GEMM=stock`, and everything while the engine's own kernels are off, is the stock kernel.
 * One dispatch, two where k is split. Idempotent.
 */
export function registerGemmConv2dBackpropFilter(): void {
  replaceWebGpuKernel(tf.Conv2DBackpropFilter, (stock) => (args) => {
    const { x, dy } = args.inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!ownWebGpuKernelsActive() || dataFormat !== 'NHWC' || x.dtype !== 'float32' || dy.dtype !== 'float32') return stock.kernelFunc(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const backend = args.backend as unknown as WebGpuBackendInternals;
    const m = info.filterHeight * info.filterWidth * info.inChannels;
    const n = info.outChannels;
    const k = info.batchSize * info.outHeight * info.outWidth;
    const tiling = m * n === 0 ? null : chooseSplitKTiling(backend.device.limits, m, n, gemmMode());
    if (tiling === null) return stock.kernelFunc(args);
    const split = splitK(Math.ceil(m / tileRows(tiling)) * Math.ceil(n / tileCols(tiling)), k, tiling.tk);
    if (split.slices > backend.device.limits.maxComputeWorkgroupsPerDimension) return stock.kernelFunc(args);
    return recordGemm(backend, {
      name: 'Conv2DBackpropFilter/dgmGemm',
      key: 'conv2d-backprop-filter-nhwc',
      tiling,
      operands: ({ uniforms }) => ({ wgsl: OPERANDS(uniforms), aContiguous: 'm', bContiguous: 'n' }),
      inputs: [x, dy],
      uniforms: [
        uniformU32(split.kPerSlice), uniformU32(info.inHeight), uniformU32(info.inWidth), uniformU32(info.inChannels), uniformU32(info.outHeight), uniformU32(info.outWidth),
        uniformU32(info.filterWidth), uniformU32(info.strideHeight), uniformU32(info.strideWidth), uniformI32(info.padInfo.top), uniformI32(info.padInfo.left),
      ],
      batch: 1,
      m,
      n,
      k,
      outShape: [...filterShape],
      epilogue: { bias: null, activation: 'linear' },
      split,
    });
  });
}
