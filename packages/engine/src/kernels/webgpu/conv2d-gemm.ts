import * as tf from '@tensorflow/tfjs';
import { fusedEpilogue, gemmTilingNow, recordGemm, type GemmEpilogue } from './gemm-dispatch.js';
import { COLUMN_BY_INDEX_WGSL } from './gemm-wgsl.js';
import { uniformI32, uniformU32, type WebGpuBackendInternals } from './raw-dispatch.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

interface ConvInputs {
  x: tf.TensorInfo;
  filter: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

// The forward conv as an implicit GEMM: out[m, n] = Σ_k A[m, k]·W[k, n] with m = (batch, oy, ox) (NHWC output rows),
// n = co, k = (kh, kw, ci) (the HWIO filter as [K, CO] rows), A[m, k] = x[b, oy·sh + kh·dh − padT, ox·sw + kw·dw − padL,
// ci], 0 outside the image: im2col read in place, never written out.
const CONV_OPERANDS = (uniforms: number) => `
struct U { m: u32, n: u32, k: u32, h: u32, w: u32, ci: u32, oh: u32, ow: u32, kw: u32, sh: u32, sw: u32, dh: u32, dw: u32, padT: i32, padL: i32 }
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(${uniforms}) var<uniform> u: U;
// Row m = (b, oy, ox): the image's first row of this batch element and the window's top-left corner.
struct RowA { xb: u32, iy0: i32, ix0: i32, ok: bool }
fn rowA(batch: u32, m: u32) -> RowA {
  let r = m % (u.oh * u.ow);
  return RowA((m / (u.oh * u.ow)) * u.h, i32((r / u.ow) * u.sh) - u.padT, i32((r % u.ow) * u.sw) - u.padL, m < u.m);
}
fn loadA(r: RowA, k: u32) -> f32 {
  if (!r.ok || k >= u.k) { return 0.0; }
  let rem = k % (u.kw * u.ci);
  let iy = r.iy0 + i32((k / (u.kw * u.ci)) * u.dh);
  let ix = r.ix0 + i32((rem / u.ci) * u.dw);
  if (iy < 0 || ix < 0 || iy >= i32(u.h) || ix >= i32(u.w)) { return 0.0; }
  return x[((r.xb + u32(iy)) * u.w + u32(ix)) * u.ci + rem % u.ci];
}
${COLUMN_BY_INDEX_WGSL}
fn loadB(c: ColB, k: u32) -> f32 {
  if (!c.ok || k >= u.k) { return 0.0; }
  return weights[k * u.n + c.n];
}`;

type ConvAttrs = tf.Conv2DAttrs & { activation?: string };

/** conv2d (NHWC, HWIO, float32) through the register-blocked GEMM, or null where tfjs's program runs instead. */
function conv2dGemm(backend: WebGpuBackendInternals, { x, filter }: ConvInputs, attrs: ConvAttrs, epilogue: GemmEpilogue | null): tf.TensorInfo | null {
  if (epilogue === null || attrs.dataFormat !== 'NHWC' || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const m = info.batchSize * info.outHeight * info.outWidth;
  const n = info.outChannels;
  const k = info.filterHeight * info.filterWidth * info.inChannels;
  const tiling = gemmTilingNow(backend, 1, m, n);
  if (tiling === null) return null;
  return recordGemm(backend, {
    name: `${epilogue.bias !== null || epilogue.activation !== 'linear' ? tf.FusedConv2D : tf.Conv2D}/dgmGemm`,
    key: 'conv2d-nhwc',
    tiling,
    operands: ({ uniforms }) => ({ wgsl: CONV_OPERANDS(uniforms), aContiguous: 'k', bContiguous: 'n' }),
    inputs: [x, filter],
    uniforms: [
      uniformU32(info.inHeight), uniformU32(info.inWidth), uniformU32(info.inChannels), uniformU32(info.outHeight), uniformU32(info.outWidth), uniformU32(info.filterWidth),
      uniformU32(info.strideHeight), uniformU32(info.strideWidth), uniformU32(info.dilationHeight), uniformU32(info.dilationWidth),
      uniformI32(info.padInfo.top), uniformI32(info.padInfo.left),
    ],
    batch: 1,
    m,
    n,
    k,
    outShape: [info.batchSize, info.outHeight, info.outWidth, info.outChannels],
    epilogue,
  });
}

/**
 * Replaces tfjs-webgpu's Conv2D and FusedConv2D with the implicit-GEMM conv above where it applies (NHWC, float32,
 * our kernels on, a tiling chosen: gemm-tiling.ts); everything else is tfjs's own program. Idempotent.
 */
export function registerGemmConv2d(): void {
  replaceWebGpuKernel(tf.Conv2D, (stock) => (args) => {
    const out = conv2dGemm(args.backend as unknown as WebGpuBackendInternals, args.inputs as unknown as ConvInputs, args.attrs as unknown as ConvAttrs, { bias: null, activation: 'linear' });
    return out ?? stock.kernelFunc(args);
  });
  replaceWebGpuKernel(tf.FusedConv2D, (stock) => (args) => {
    const inputs = args.inputs as unknown as ConvInputs;
    const attrs = args.attrs as unknown as ConvAttrs;
    const out = conv2dGemm(args.backend as unknown as WebGpuBackendInternals, inputs, attrs, fusedEpilogue(inputs, attrs.activation, inputs.filter.shape[3]!));
    return out ?? stock.kernelFunc(args);
  });
}
