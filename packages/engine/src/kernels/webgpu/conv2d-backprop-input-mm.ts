import * as tf from '@tensorflow/tfjs';
import { gemmTilingNow, recordGemm } from './gemm-dispatch.js';
import { COLUMN_BY_INDEX_WGSL } from './gemm-wgsl.js';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { uniformI32, uniformU32, type WebGpuBackendInternals } from './raw-dispatch.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

// dx as an implicit GEMM: dx[m, n] = Σ_k A[m, k]·B[k, n] with m = (batch, iy, ix) (NHWC rows of dx), n = ci,
// k = (kh, kw, co); A[m, k] = dy[b, oy, ox, co] for the output position whose tap (kh, kw) read (iy, ix):
// oy = (iy + padT − kh) / sh when that divides exactly and lies in [0, OH) (else 0: strides skip it), likewise ox;
// B[k, n] = W[kh, kw, ci, co], read in place (no flipped copy of the filter, no zero-inserted copy of dy).
const OPERANDS = (uniforms: number) => `
struct U { m: u32, n: u32, k: u32, h: u32, w: u32, co: u32, oh: u32, ow: u32, kw: u32, sh: i32, sw: i32, padT: i32, padL: i32 }
@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(${uniforms}) var<uniform> u: U;
// Row m = (b, iy, ix): dy's first row of this batch element and (iy + padT, ix + padL), from which each tap is taken.
struct RowA { dyb: u32, ty0: i32, tx0: i32, ok: bool }
fn rowA(batch: u32, m: u32) -> RowA {
  let r = m % (u.h * u.w);
  return RowA((m / (u.h * u.w)) * u.oh, i32(r / u.w) + u.padT, i32(r % u.w) + u.padL, m < u.m);
}
fn loadA(r: RowA, k: u32) -> f32 {
  if (!r.ok || k >= u.k) { return 0.0; }
  let rem = k % (u.kw * u.co);
  let ty = r.ty0 - i32(k / (u.kw * u.co));
  let tx = r.tx0 - i32(rem / u.co);
  if (ty < 0 || tx < 0 || ty % u.sh != 0 || tx % u.sw != 0) { return 0.0; }
  let oy = u32(ty / u.sh);
  let ox = u32(tx / u.sw);
  if (oy >= u.oh || ox >= u.ow) { return 0.0; }
  return dy[((r.dyb + oy) * u.ow + ox) * u.co + rem % u.co];
}
${COLUMN_BY_INDEX_WGSL}
fn loadB(c: ColB, k: u32) -> f32 {
  if (!c.ok || k >= u.k) { return 0.0; }
  // k = (kh·KW + kw)·CO + co, so W's flat index is (kh·KW + kw)·CI·CO + n·CO + co.
  return weights[(k / u.co) * u.n * u.co + c.n * u.co + k % u.co];
}`;

/** Conv2DBackpropInput (NHWC, float32) through the register-blocked GEMM, or null where a tfjs program runs instead. */
function backpropInputGemm(backend: WebGpuBackendInternals, dy: tf.TensorInfo, filter: tf.TensorInfo, attrs: tf.Conv2DBackpropInputAttrs): tf.TensorInfo | null {
  if (attrs.dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = tf.backend_util.computeConv2DInfo(
    [...attrs.inputShape] as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const m = info.batchSize * info.inHeight * info.inWidth;
  const n = info.inChannels;
  const k = info.filterHeight * info.filterWidth * info.outChannels;
  const tiling = gemmTilingNow(backend, 1, m, n);
  if (tiling === null) return null;
  return recordGemm(backend, {
    name: 'Conv2DBackpropInput/dgmGemm',
    key: 'conv2d-backprop-input-nhwc',
    tiling,
    operands: ({ uniforms }) => ({ wgsl: OPERANDS(uniforms), aContiguous: 'k', bContiguous: 'k' }),
    inputs: [dy, filter],
    uniforms: [
      uniformU32(info.inHeight), uniformU32(info.inWidth), uniformU32(info.outChannels), uniformU32(info.outHeight), uniformU32(info.outWidth), uniformU32(info.filterWidth),
      uniformI32(info.strideHeight), uniformI32(info.strideWidth), uniformI32(info.padInfo.top), uniformI32(info.padInfo.left),
    ],
    batch: 1,
    m,
    n,
    k,
    outShape: [info.batchSize, info.inHeight, info.inWidth, info.inChannels],
    epilogue: { bias: null, activation: 'linear' },
  });
}

/**
 * Conv2DBackpropInput with the engine's own kernels on: the register-blocked GEMM above where a tiling is chosen
 * (gemm-tiling.ts), else tfjs's tiled implicit GEMM (`Conv2DDerInputMMProgram`) — tfjs-webgpu defaults to a naive
 * kernel (`WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE`, on), so the flag is turned off around the stock kernel and restored.
 * The gradient-check suite checks both on every conv shape our models use. Idempotent.
 */
export function registerTiledConv2dBackpropInput(): void {
  replaceWebGpuKernel(tf.Conv2DBackpropInput, (stock) => (args) => {
    if (!ownWebGpuKernelsActive()) return stock.kernelFunc(args);
    const { dy, filter } = args.inputs as unknown as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const ours = backpropInputGemm(args.backend as unknown as WebGpuBackendInternals, dy, filter, args.attrs as unknown as tf.Conv2DBackpropInputAttrs);
    if (ours !== null) return ours;
    const env = tf.env();
    const saved = env.getBool('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE');
    env.set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
    try {
      return stock.kernelFunc(args);
    } finally {
      env.set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', saved);
    }
  });
}
