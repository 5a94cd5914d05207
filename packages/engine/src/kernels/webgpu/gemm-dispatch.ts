import * as tf from '@tensorflow/tfjs';
import { chooseGemmTiling, gemmMode, tileCols, tileRows, type GemmTiling } from './gemm-tiling.js';
import { activationWgsl, gemmWgsl, type GemmOperands } from './gemm-wgsl.js';
import { ownWebGpuKernelsActive } from './own-kernels-flag.js';
import { bufferOf, elementwiseGrid, newDeviceTensorInfo, pipelineFor, recordDispatch, uniformU32, WORKGROUP, type WebGpuBackendInternals } from './raw-dispatch.js';
import { FLAT_INDEX_WGSL } from './wgsl-snippets.js';

/** The epilogue our GEMMs fuse: a bias per output column and an activation (tfjs's fused matMul and conv2d). */
export interface GemmEpilogue {
  bias: tf.TensorInfo | null;
  activation: 'linear' | 'relu';
}

/**
 * The epilogue of a tfjs fused kernel's inputs and attributes, or null where ours does not apply: a bias other than
 * one value per output column, PReLU weights, or an activation other than linear/ReLU (tfjs's program takes those).
 */
export function fusedEpilogue(inputs: { bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo }, activation: string | undefined, columns: number): GemmEpilogue | null {
  if (inputs.preluActivationWeights != null) return null;
  const act = activation ?? 'linear';
  if (act !== 'linear' && act !== 'relu') return null;
  const bias = inputs.bias ?? null;
  if (bias !== null && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== columns || bias.shape.at(-1) !== columns)) return null;
  return { bias, activation: act };
}

/** The tiling to use now for a batch × (m × n) output, or null for tfjs's program (our kernels off, flag, policy). */
export function gemmTilingNow(backend: WebGpuBackendInternals, batch: number, m: number, n: number): GemmTiling | null {
  if (!ownWebGpuKernelsActive() || batch * m * n === 0) return null;
  return chooseGemmTiling(backend.device.limits, { batch, m, n }, gemmMode());
}

export interface GemmCall {
  /** Profile name (`BatchMatMul/dgmGemm`). */
  name: string;
  /** Pipeline cache key of the operands' WGSL (without the tiling and epilogue, added here). */
  key: string;
  tiling: GemmTiling;
  /** WGSL of the operands given the binding numbers of the storage buffers after them and the uniform block. */
  operands: (bindings: { out: number; bias: number; uniforms: number }) => GemmOperands;
  /** The storage buffers the operands read, bound from 0 in order. */
  inputs: tf.TensorInfo[];
  /** Uniform fields after m, n, k (in the order the operands' struct declares them). */
  uniforms: Array<{ type: 'uint32' | 'int32'; data: number[] }>;
  batch: number;
  m: number;
  n: number;
  k: number;
  outShape: number[];
  epilogue: GemmEpilogue;
  /**
   * Split-K (batch must be 1, the epilogue linear without bias): k in `slices` slices of `kPerSlice` (splitK), one
   * dispatch layer each writing a partial product, summed by a second dispatch. The operands' uniform declares
   * `kPerSlice` and lists it among `uniforms`.
   */
  split?: { kPerSlice: number; slices: number };
}

// Split-K's second pass: out[i] = Σ_s partial[s, i].
const SUM_SLICES_WGSL = `
struct U { size: u32, slices: u32 }
@group(0) @binding(0) var<storage, read> partial: array<f32>;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
${FLAT_INDEX_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = flatIndex(gid, nwg);
  if (i >= u.size) { return; }
  var s = 0.0;
  for (var j = 0u; j < u.slices; j += 1u) { s += partial[j * u.size + i]; }
  out[i] = s;
}`;

/**
 * Records the GEMM in one dispatch into a new output tensor. Bindings: the operands' inputs, then the output, then the
 * bias if any, then the uniforms (m, n, k, the operands' own). The epilogue's `store` writes out[(batch·m + row)·n + col].
 */
export function recordGemm(backend: WebGpuBackendInternals, c: GemmCall): tf.TensorInfo {
  const slices = c.split?.slices ?? 1;
  if (slices > 1 && (c.batch !== 1 || c.epilogue.bias !== null || c.epilogue.activation !== 'linear')) {
    throw new Error('recordGemm: split-K needs batch 1 and a linear epilogue without bias');
  }
  const result = newDeviceTensorInfo(backend, c.outShape);
  // Split: the slices' partial products go to a scratch tensor, released once the submit that sums them has run.
  const out = slices > 1 ? newDeviceTensorInfo(backend, [slices, c.m * c.n]) : result;
  const hasBias = c.epilogue.bias !== null;
  const bindings = { out: c.inputs.length, bias: c.inputs.length + 1, uniforms: c.inputs.length + (hasBias ? 2 : 1) };
  const key = `dgm-gemm/${c.key}/${c.tiling.name}/${hasBias ? 'bias' : 'nobias'}/${c.epilogue.activation}${c.split ? '/split-k' : ''}`;
  const pipeline = pipelineFor(backend, key, () => {
    const ops = c.operands(bindings);
    const epilogue = `
@group(0) @binding(${bindings.out}) var<storage, read_write> out: array<f32>;
${hasBias ? `@group(0) @binding(${bindings.bias}) var<storage, read> bias: array<f32>;` : ''}
${activationWgsl(c.epilogue.activation)}
fn store(batch: u32, m: u32, n: u32, v: f32) { out[(batch * u.m + m) * u.n + n] = act(v${hasBias ? ' + bias[n]' : ''}); }`;
    return gemmWgsl(c.tiling, { ...ops, wgsl: `${ops.wgsl}\n${epilogue}` }, { splitK: c.split !== undefined });
  });
  recordDispatch(backend, {
    name: c.name,
    pipeline,
    bindings: [
      ...c.inputs.map((t) => ({ buffer: bufferOf(backend, t) })),
      { buffer: out.buffer },
      ...(hasBias ? [{ buffer: bufferOf(backend, c.epilogue.bias!) }] : []),
      backend.makeUniforms([uniformU32(c.m), uniformU32(c.n), uniformU32(c.k), ...c.uniforms]),
    ],
    workgroups: [Math.ceil(c.n / tileCols(c.tiling)), Math.ceil(c.m / tileRows(c.tiling)), c.split ? slices : c.batch],
  });
  if (slices > 1) {
    recordDispatch(backend, {
      name: `${c.name.split('/')[0]}/dgmSumSlices`,
      pipeline: pipelineFor(backend, 'dgm-gemm-sum-slices', () => SUM_SLICES_WGSL),
      bindings: [{ buffer: out.buffer }, { buffer: result.buffer }, backend.makeUniforms([uniformU32(c.m * c.n), uniformU32(slices)])],
      workgroups: elementwiseGrid(backend, c.m * c.n),
    });
    backend.disposeData(out.info.dataId);
  }
  return result.info;
}
