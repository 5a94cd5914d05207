import * as tf from '@tensorflow/tfjs';
import { fusedEpilogue, gemmTilingNow, recordGemm, type GemmEpilogue } from './gemm-dispatch.js';
import type { WebGpuBackendInternals } from './raw-dispatch.js';
import { replaceWebGpuKernel } from './replace-kernel.js';

interface MatMulInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  bias?: tf.TensorInfo;
  preluActivationWeights?: tf.TensorInfo;
}

const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

/**
 * a·b (each possibly transposed, with leading batch dimensions) through the register-blocked GEMM, or null where it
 * does not apply (tfjs's program then runs): batch dimensions must be equal, or one side's all ones (broadcast).
 */
function matMulGemm(backend: WebGpuBackendInternals, { a, b }: MatMulInputs, transposeA: boolean, transposeB: boolean, epilogue: GemmEpilogue | null): tf.TensorInfo | null {
  if (epilogue === null || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if ((transposeB ? b.shape[rb - 1] : b.shape[rb - 2]) !== k) return null; // tfjs's program reports the mismatch
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = product(outerA);
  const batchB = product(outerB);
  const sameOuter = outerA.length === outerB.length && outerA.every((d, i) => d === outerB[i]);
  if (!sameOuter && batchA !== 1 && batchB !== 1) return null;
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = Math.max(batchA, batchB);
  const tiling = gemmTilingNow(backend, batch, m, n);
  if (tiling === null) return null;
  return recordGemm(backend, {
    name: `${epilogue.bias !== null || epilogue.activation !== 'linear' ? tf._FusedMatMul : tf.BatchMatMul}/dgmGemm`,
    key: `matmul/${transposeA ? 'tA' : 'A'}/${transposeB ? 'tB' : 'B'}`,
    tiling,
    // A[m, k] is a[k·M + m] when transposed, else a[m·K + k]; B[k, n] likewise. A batch of one is broadcast (stride 0).
    operands: ({ uniforms }) => ({
      wgsl: `
struct U { m: u32, n: u32, k: u32, aStride: u32, bStride: u32 }
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(${uniforms}) var<uniform> u: U;
struct RowA { base: u32, ok: bool }
fn rowA(batch: u32, m: u32) -> RowA { return RowA(batch * u.aStride + ${transposeA ? 'm' : 'm * u.k'}, m < u.m); }
fn loadA(r: RowA, k: u32) -> f32 {
  if (!r.ok || k >= u.k) { return 0.0; }
  return a[r.base + ${transposeA ? 'k * u.m' : 'k'}];
}
struct ColB { base: u32, ok: bool }
fn colB(batch: u32, n: u32) -> ColB { return ColB(batch * u.bStride + ${transposeB ? 'n * u.k' : 'n'}, n < u.n); }
fn loadB(c: ColB, k: u32) -> f32 {
  if (!c.ok || k >= u.k) { return 0.0; }
  return b[c.base + ${transposeB ? 'k' : 'k * u.n'}];
}`,
      aContiguous: transposeA ? 'm' : 'k',
      bContiguous: transposeB ? 'k' : 'n',
    }),
    inputs: [a, b],
    uniforms: [
      { type: 'uint32', data: [batchA === 1 ? 0 : m * k] },
      { type: 'uint32', data: [batchB === 1 ? 0 : k * n] },
    ],
    batch,
    m,
    n,
    k,
    outShape: [...outer, m, n],
    epilogue,
  });
}

/**
 * Replaces tfjs-webgpu's BatchMatMul and _FusedMatMul with the register-blocked GEMM where it applies
 * (gemm-tiling.ts: float32, our kernels on, a tiling chosen); everything else is tfjs's own program. Idempotent.
 */
export function registerGemmMatMul(): void {
  replaceWebGpuKernel(tf.BatchMatMul, (stock) => (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const out = matMulGemm(args.backend as unknown as WebGpuBackendInternals, args.inputs as unknown as MatMulInputs, transposeA, transposeB, { bias: null, activation: 'linear' });
    return out ?? stock.kernelFunc(args);
  });
  replaceWebGpuKernel(tf._FusedMatMul, (stock) => (args) => {
    const inputs = args.inputs as unknown as MatMulInputs;
    const { transposeA, transposeB, activation } = args.attrs as unknown as tf._FusedMatMulAttrs;
    const n = transposeB ? inputs.b.shape.at(-2)! : inputs.b.shape.at(-1)!;
    const out = matMulGemm(args.backend as unknown as WebGpuBackendInternals, inputs, transposeA, transposeB, fusedEpilogue(inputs, activation, n));
    return out ?? stock.kernelFunc(args);
  });
}
