import * as tf from '@tensorflow/tfjs';
import { bufferOf, newDeviceTensor, pipelineFor, recordClear, recordCopy, recordDispatch, webGpuBackend, WORKGROUP, type WebGpuBackendInternals } from './raw-dispatch.js';
import { WORKGROUP_SUM_WGSL } from './wgsl-snippets.js';

/** Hyper-parameters of one AdamW step (torch.optim.AdamW's, decoupled weight decay). */
export interface AdamWStepSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step number (bias corrections). */
  step: number;
  /** Global-norm clipping as torch's clip_grad_norm_ (scale min(1, maxNorm/(norm + 1e-6))); null: none. */
  maxGradNorm: number | null;
}

/** Partial sums of squares: at most this many workgroups, reduced again inside every update workgroup. */
const MAX_PARTIALS = 256;

const SUM_SQUARES_WGSL = `
struct U { n: u32, groups: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<uniform> u: U;
${WORKGROUP_SUM_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = wg.x * ${WORKGROUP}u + lid; i < u.n; i += u.groups * ${WORKGROUP}u) { let x = g[i]; s += x * x; }
  let total = workgroupSum(s, lid);
  if (lid == 0u) { partials[wg.x] = total; }
}`;

// Every workgroup first reduces the partials (≤ 256 values) to the global norm, so clipping needs no extra
// dispatch. A non-finite norm leaves parameters and moments as they were and sets a flag (after the partials)
// that makes every later step a no-op too: a trainer that reads the norm a step late finds the parameters
// exactly as they were before the failing step.
const UPDATE_WGSL = `
struct U { n: u32, groups: u32, clip: u32, maxNorm: f32, decay: f32, beta1: f32, beta2: f32, eps: f32, stepSize: f32, bc2Sqrt: f32, normAt: u32 }
@group(0) @binding(0) var<storage, read_write> p: array<f32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> partials: array<f32>;
@group(0) @binding(5) var<storage, read_write> normOut: array<f32>;
@group(0) @binding(6) var<uniform> u: U;
${WORKGROUP_SUM_WGSL}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < u.groups; i += ${WORKGROUP}u) { s += partials[i]; }
  let norm = sqrt(workgroupSum(s, lid));
  if (wg.x == 0u && lid == 0u) { normOut[u.normAt] = norm; }
  if ((bitcast<u32>(norm) & 0x7f800000u) == 0x7f800000u) {
    if (wg.x == 0u && lid == 0u) { partials[${MAX_PARTIALS}] = 1.0; }
    return;
  }
  if (partials[${MAX_PARTIALS}] != 0.0) { return; }
  var coef = 1.0;
  if (u.clip == 1u) { coef = min(u.maxNorm / (norm + 1e-6), 1.0); }
  for (var i = wg.x * ${WORKGROUP}u + lid; i < u.n; i += u.groups * ${WORKGROUP}u) {
    let grad = g[i] * coef;
    let mi = u.beta1 * m[i] + (1.0 - u.beta1) * grad;
    let vi = u.beta2 * v[i] + (1.0 - u.beta2) * (grad * grad);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * u.decay - u.stepSize * (mi / (sqrt(vi) / u.bc2Sqrt + u.eps));
  }
}`;

const groupsFor = (n: number) => Math.max(1, Math.min(MAX_PARTIALS, Math.ceil(n / (WORKGROUP * 8))));

/**
 * AdamW with global-norm clipping for a whole parameter list in two dispatches per step on webgpu, where the
 * elementwise version costs ≈ 16 per parameter tensor. Parameters and gradients are gathered by buffer copies
 * (not dispatches) into one flat vector, the moments live flat on the device, and the updated values are
 * copied into fresh buffers that the variables are assigned (nothing that shares a variable's old buffer sees
 * it change). Same arithmetic as the elementwise AdamW, up to float rounding order.
 */
export class FusedAdamW {
  readonly size: number;
  private readonly offsets: number[];
  private readonly flatP: tf.Tensor;
  private readonly flatG: tf.Tensor;
  private readonly m: tf.Tensor;
  private readonly v: tf.Tensor;
  private readonly partials: tf.Tensor;
  private disposed = false;

  constructor(readonly params: tf.Variable[]) {
    const backend = webGpuBackend();
    this.offsets = [];
    let n = 0;
    for (const p of params) {
      if (p.dtype !== 'float32') throw new Error(`fused AdamW: parameter ${p.name} is ${p.dtype}, not float32`);
      this.offsets.push(n);
      n += p.size;
    }
    this.size = n;
    const zeros = () => tf.keep(tf.zeros([Math.max(1, n)]));
    this.flatP = zeros();
    this.flatG = zeros();
    this.m = zeros();
    this.v = zeros();
    this.partials = tf.keep(tf.zeros([MAX_PARTIALS + 1])); // + the non-finite flag
    for (const t of [this.flatP, this.flatG, this.m, this.v, this.partials]) bufferOf(backend, t);
  }

  /**
   * One step with `grads[i]` for `params[i]` (undefined: a zero gradient). Returns the global gradient norm
   * (before clipping) as a scalar on the device: nothing is read back. Once a norm is non-finite, this and
   * every later step change nothing.
   */
  step(grads: Array<tf.Tensor | undefined>, s: AdamWStepSettings): tf.Scalar {
    return this.run(grads, s, undefined) as tf.Scalar;
  }

  /** As step, returning [loss, norm] side by side (the loss copied in: no extra dispatch), for one host read. */
  stepReporting(grads: Array<tf.Tensor | undefined>, s: AdamWStepSettings, loss: tf.Scalar): tf.Tensor1D {
    if (loss.size !== 1 || loss.dtype !== 'float32') throw new Error(`fused AdamW: the loss to report must be a float32 scalar, got ${loss.dtype} [${loss.shape}]`);
    return this.run(grads, s, loss) as tf.Tensor1D;
  }

  private run(grads: Array<tf.Tensor | undefined>, s: AdamWStepSettings, loss: tf.Scalar | undefined): tf.Tensor {
    if (this.disposed) throw new Error('fused AdamW: used after dispose');
    if (grads.length !== this.params.length) throw new Error(`fused AdamW: ${grads.length} gradients for ${this.params.length} parameters`);
    const backend = webGpuBackend();
    const P = bufferOf(backend, this.flatP);
    const G = bufferOf(backend, this.flatG);
    this.params.forEach((p, i) => {
      const at = this.offsets[i]! * 4;
      const g = grads[i];
      if (g !== undefined && g.size !== p.size) throw new Error(`fused AdamW: gradient ${i} has ${g.size} values, parameter ${p.name} ${p.size}`);
      recordCopy(backend, bufferOf(backend, p), 0, P, at, p.size * 4);
      if (g === undefined) recordClear(backend, G, at, p.size * 4);
      else recordCopy(backend, bufferOf(backend, g), 0, G, at, p.size * 4);
    });
    const norm = newDeviceTensor(backend, loss === undefined ? [] : [2]);
    const normAt = loss === undefined ? 0 : 1;
    if (loss !== undefined) recordCopy(backend, bufferOf(backend, loss), 0, norm.buffer, 0, 4);
    if (this.size > 0) this.record(backend, P, G, norm.buffer, normAt, s);
    else recordClear(backend, norm.buffer, normAt * 4, 4);
    this.params.forEach((p, i) => {
      const fresh = newDeviceTensor(backend, p.shape);
      recordCopy(backend, P, this.offsets[i]! * 4, fresh.buffer, 0, p.size * 4);
      p.assign(fresh.tensor);
      fresh.tensor.dispose();
    });
    return norm.tensor;
  }

  private record(backend: WebGpuBackendInternals, P: GPUBuffer, G: GPUBuffer, normBuffer: GPUBuffer, normAt: number, s: AdamWStepSettings): void {
    const n = this.size;
    const groups = groupsFor(n);
    const partials = bufferOf(backend, this.partials);
    recordDispatch(backend, {
      name: 'DgmAdamW/sumSquares',
      pipeline: pipelineFor(backend, 'dgm-adamw-sum-squares', () => SUM_SQUARES_WGSL),
      bindings: [{ buffer: G }, { buffer: partials }, backend.makeUniforms([{ type: 'uint32', data: [n] }, { type: 'uint32', data: [groups] }])],
      workgroups: [groups],
    });
    const clip = s.maxGradNorm !== null;
    recordDispatch(backend, {
      name: 'DgmAdamW/update',
      pipeline: pipelineFor(backend, 'dgm-adamw-update', () => UPDATE_WGSL),
      bindings: [
        { buffer: P },
        { buffer: G },
        { buffer: bufferOf(backend, this.m) },
        { buffer: bufferOf(backend, this.v) },
        { buffer: partials },
        { buffer: normBuffer },
        backend.makeUniforms([
          { type: 'uint32', data: [n] },
          { type: 'uint32', data: [groups] },
          { type: 'uint32', data: [clip ? 1 : 0] },
          { type: 'float32', data: [clip ? s.maxGradNorm! : 0] },
          { type: 'float32', data: [1 - s.lr * s.weightDecay] },
          { type: 'float32', data: [s.beta1] },
          { type: 'float32', data: [s.beta2] },
          { type: 'float32', data: [s.eps] },
          { type: 'float32', data: [s.lr / (1 - s.beta1 ** s.step)] },
          { type: 'float32', data: [Math.sqrt(1 - s.beta2 ** s.step)] },
          { type: 'uint32', data: [normAt] },
        ]),
      ],
      workgroups: [groups],
    });
  }

  /** The moments per parameter (host copies). */
  async readMoments(): Promise<{ m: Float32Array[]; v: Float32Array[] }> {
    const [m, v] = (await Promise.all([this.m.data(), this.v.data()])) as [Float32Array, Float32Array];
    const split = (flat: Float32Array) => this.params.map((p, i) => flat.slice(this.offsets[i], this.offsets[i]! + p.size));
    return { m: split(m), v: split(v) };
  }

  /** Replaces the moments (per parameter, in `params` order). */
  writeMoments(m: Float32Array[], v: Float32Array[]): void {
    const backend = webGpuBackend();
    for (const [flat, parts] of [[this.m, m], [this.v, v]] as const) {
      const host = new Float32Array(Math.max(1, this.size));
      parts.forEach((part, i) => host.set(part, this.offsets[i]));
      const t = tf.tensor1d(host);
      recordCopy(backend, bufferOf(backend, t), 0, bufferOf(backend, flat), 0, host.length * 4);
      t.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.flatP, this.flatG, this.m, this.v, this.partials]);
  }
}

