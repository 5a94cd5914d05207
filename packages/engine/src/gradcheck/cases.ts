import type * as tfjs from '@tensorflow/tfjs';
import { Rng } from '../autodiff/rng.js';
import { affineCouplingForward } from '../ops/affine-coupling.js';
import { relu, standardNormalLogProb } from '../ops/elementwise.js';
import { groupNorm, groupNormWithOffset } from '../ops/group-norm.js';
import { rationalQuadraticSplinePacked, type PackedSplineSettings } from '../ops/rq-spline-packed.js';

type Tf = typeof tfjs;

export interface GradCheckInput {
  shape: number[];
  /** Default: uniform in [−1, 1). */
  range?: [number, number];
  /** Integer-valued inputs (indices) are not differentiated. */
  dtype?: 'float32' | 'int32';
  /** For int32 inputs: values drawn from [0, maxIndex). */
  maxIndex?: number;
}

/**
 * One operation to check. The suite evaluates `fn` on deterministic inputs on the reference backend
 * and on each backend under test, and compares the output and the gradient of Σ fn(x)·r (a fixed
 * random cotangent r, so every output element matters) w.r.t. each float input.
 */
export interface GradCheckCase {
  name: string;
  inputs: GradCheckInput[];
  fn: (tf: Tf, ...xs: tfjs.Tensor[]) => tfjs.Tensor;
  /** Overrides the suite's tolerance (e.g. for ops whose float32 error grows with size). */
  tolerance?: number;
  /** Why the case is shaped the way it is (known traps), shown in reports. */
  note?: string;
}

/** Deterministic input values for a case (same on every backend). */
export function caseInputValues(c: GradCheckCase, seed: number): Array<Float32Array | Int32Array> {
  const rng = new Rng(seed);
  return c.inputs.map((input) => {
    const n = input.shape.reduce((a, b) => a * b, 1);
    if (input.dtype === 'int32') {
      const out = new Int32Array(n);
      const max = input.maxIndex ?? 2;
      for (let i = 0; i < n; i++) out[i] = Math.floor(rng.uniform() * max);
      return out;
    }
    const [lo, hi] = input.range ?? [-1, 1];
    return rng.fillUniform(new Float32Array(n), lo, hi) as Float32Array;
  });
}

const f = (shape: number[], range?: [number, number]): GradCheckInput => ({ shape, ...(range ? { range } : {}) });
const positive: [number, number] = [0.2, 2];

/** Packed-spline settings for the cases: nflows' minima, B = 1, unscaled, forward, unless given. */
const splineSettings = (s: Partial<PackedSplineSettings> & { numBins: number }): PackedSplineSettings => ({
  inverse: false, tailBound: 1, minBinWidth: 1e-3, minBinHeight: 1e-3, minDerivative: 1e-3, binScale: 1, ...s,
});

/** The packed spline's outputs and per-sample log|det| side by side ([B, perSample + 1]). */
function packedSpline(tf: Tf, x: tfjs.Tensor, params: tfjs.Tensor, s: Partial<PackedSplineSettings> & { numBins: number }): tfjs.Tensor {
  const { outputs, logabsdet } = rationalQuadraticSplinePacked(x, params, splineSettings(s));
  const b = x.shape[0]!;
  return tf.concat([tf.reshape(outputs, [b, x.size / b]), tf.reshape(logabsdet, [b, 1])], 1);
}

/**
 * The ops our models use (ConvResidualNet, couplings, splines, U-Nets, losses), on tiny shapes. Later
 * issues append their ops here. Known traps (docs/tfjs-notes.md §1) are encoded as the workarounds.
 */
export const STANDARD_CASES: GradCheckCase[] = [
  // conv2d: the shapes of our nets (3×3 'same', 1×1), strides, explicit pads, and the fused forms.
  { name: 'conv2d 3x3 same s1', inputs: [f([2, 6, 6, 3]), f([3, 3, 3, 4])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'same') },
  { name: 'conv2d 1x1 valid', inputs: [f([2, 5, 5, 6]), f([1, 1, 6, 4])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'valid') },
  { name: 'conv2d 3x3 same s2', inputs: [f([2, 7, 7, 3]), f([3, 3, 3, 5])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 2, 'same') },
  { name: 'conv2d 3x3 valid s2 (unread rows)', inputs: [f([1, 8, 8, 2]), f([3, 3, 2, 3])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 2, 'valid') },
  { name: 'conv2d 4x4 valid s3', inputs: [f([1, 10, 9, 2]), f([4, 4, 2, 3])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 3, 'valid') },
  // Wider: several 32 × 32 tiles of the filter gradient and of the input gradient on webgpu (our tiled kernels).
  { name: 'conv2d 3x3 same, 8→40 channels', inputs: [f([2, 6, 5, 8]), f([3, 3, 8, 40], [-0.3, 0.3])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'same') },
  { name: 'conv2d 3x3 same s2, 36→5 channels', inputs: [f([1, 7, 8, 36], [-0.5, 0.5]), f([3, 3, 36, 5], [-0.3, 0.3])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 2, 'same') },
  { name: 'conv2d 3x3 explicit pad', inputs: [f([2, 5, 5, 3]), f([3, 3, 3, 2])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, [[0, 0], [2, 0], [1, 1], [0, 0]]) },
  // Long k = batch·OH·OW with a small filter: the webgpu filter gradient splits k into slices (2 even, 3 uneven).
  { name: 'conv2d filter gradient split over k (2 slices)', inputs: [f([2, 16, 16, 2]), f([3, 3, 2, 3])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'same') },
  { name: 'conv2d filter gradient split over k (3 uneven slices), stride 2', inputs: [f([4, 30, 30, 2]), f([3, 3, 2, 3])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 2, 'same') },
  { name: 'conv2d 3x3 on 1x1 map', inputs: [f([3, 1, 1, 4]), f([3, 3, 4, 2])], fn: (tf, x, w) => tf.conv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'same') },
  {
    name: 'fused conv2d + bias + relu',
    inputs: [f([2, 6, 6, 3]), f([3, 3, 3, 4]), f([4])],
    fn: (tf, x, w, b) => tf.fused.conv2d({ x: x as tfjs.Tensor4D, filter: w as tfjs.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'relu' }),
  },
  { name: 'conv2dTranspose s2', inputs: [f([2, 4, 4, 3]), f([3, 3, 2, 3])], fn: (tf, x, w) => tf.conv2dTranspose(x as tfjs.Tensor4D, w as tfjs.Tensor4D, [2, 8, 8, 2], 2, 'same') },
  { name: 'depthwiseConv2d 3x3', inputs: [f([2, 5, 5, 3]), f([3, 3, 3, 2])], fn: (tf, x, w) => tf.depthwiseConv2d(x as tfjs.Tensor4D, w as tfjs.Tensor4D, 1, 'same') },
  // dense algebra
  { name: 'matMul', inputs: [f([5, 7]), f([7, 4])], fn: (tf, a, b) => tf.matMul(a as tfjs.Tensor2D, b as tfjs.Tensor2D) },
  { name: 'matMul transposeA/B', inputs: [f([7, 5]), f([4, 7])], fn: (tf, a, b) => tf.matMul(a as tfjs.Tensor2D, b as tfjs.Tensor2D, true, true) },
  { name: 'batched matMul', inputs: [f([3, 4, 5]), f([3, 5, 2])], fn: (tf, a, b) => tf.matMul(a as tfjs.Tensor3D, b as tfjs.Tensor3D) },
  { name: 'fused matMul + bias + relu', inputs: [f([6, 5]), f([5, 4]), f([4])], fn: (tf, a, b, c) => tf.fused.matMul({ a: a as tfjs.Tensor2D, b: b as tfjs.Tensor2D, bias: c, activation: 'relu' }) },
  // Large enough for the register-blocked GEMM (webgpu, `auto`: ≥ 32 workgroups of its smallest tile); forced tilings
  // on every shape are in kernels/webgpu/gemm.webgpu.test.ts.
  {
    name: 'matMul 256×16 · 16×256 (register-blocked GEMM on webgpu)',
    inputs: [f([256, 16]), f([16, 256])],
    fn: (tf, a, b) => tf.matMul(a as tfjs.Tensor2D, b as tfjs.Tensor2D),
  },
  {
    name: 'fused conv2d + bias + relu, 4×16×16×8 → 32 (implicit-GEMM conv on webgpu)',
    inputs: [f([4, 16, 16, 8]), f([3, 3, 8, 32], [-0.3, 0.3]), f([32])],
    fn: (tf, x, w, c) => tf.fused.conv2d({ x: x as tfjs.Tensor4D, filter: w as tfjs.Tensor4D, bias: c as tfjs.Tensor1D, strides: 1, pad: 'same', activation: 'relu' }),
  },
  // elementwise nonlinearities
  { name: 'softplus', inputs: [f([3, 7], [-4, 4])], fn: (tf, x) => tf.softplus(x) },
  { name: 'sigmoid', inputs: [f([3, 7], [-4, 4])], fn: (tf, x) => tf.sigmoid(x) },
  { name: 'log-sigmoid as −softplus(−x)', inputs: [f([3, 7], [-4, 4])], fn: (tf, x) => tf.neg(tf.softplus(tf.neg(x))), note: 'tf.logSigmoid breaks nested gradients' },
  { name: 'exp', inputs: [f([3, 7], [-2, 2])], fn: (tf, x) => tf.exp(x) },
  { name: 'log', inputs: [f([3, 7], positive)], fn: (tf, x) => tf.log(x) },
  { name: 'tanh, relu, square, sqrt', inputs: [f([4, 5], positive)], fn: (tf, x) => tf.add(tf.mul(tf.tanh(x), tf.relu(tf.sub(x, 1))), tf.add(tf.square(x), tf.sqrt(x))) },
  { name: 'where via step mask', inputs: [f([4, 5]), f([4, 5])], fn: (tf, a, b) => { const m = tf.step(tf.sub(a, b)); return tf.add(tf.mul(m, tf.exp(a)), tf.mul(tf.sub(1, m), tf.square(b))); }, note: 'tf.where with a comparison on the tape has no gradient' },
  // scans and normalisers
  { name: 'cumsum', inputs: [f([3, 6])], fn: (tf, x) => tf.cumsum(x, 1) },
  { name: 'cumsum exclusive reverse', inputs: [f([3, 6])], fn: (tf, x) => tf.cumsum(x, 1, true, true) },
  // The scanned axis changing length within a process: tfjs-webgpu's reverse scans kept the first length's shader.
  { name: 'cumsum reverse, another length', inputs: [f([4, 5])], fn: (tf, x) => tf.cumsum(x, 1, false, true), note: 'tfjs-webgpu caches reverse scans by rank only; the engine reverses around a forward scan' },
  { name: 'cumsum exclusive, a third length (its gradient is a reverse scan)', inputs: [f([2, 3, 9])], fn: (tf, x) => tf.cumsum(x, 2, true) },
  { name: 'softmax', inputs: [f([4, 6], [-3, 3])], fn: (tf, x) => tf.softmax(x) },
  { name: 'logSoftmax', inputs: [f([4, 6], [-3, 3])], fn: (tf, x) => tf.logSoftmax(x) },
  // selection
  { name: 'one-hot selection (oneHot · sum)', inputs: [f([5, 4]), { shape: [5], dtype: 'int32', maxIndex: 4 }], fn: (tf, x, idx) => tf.sum(tf.mul(x, tf.oneHot(idx as tfjs.Tensor1D, 4)), 1) },
  { name: 'gather axis 1', inputs: [f([3, 6]), { shape: [4], dtype: 'int32', maxIndex: 6 }], fn: (tf, x, idx) => tf.gather(x, idx as tfjs.Tensor1D, 1), note: 'wasm: UnsortedSegmentSum from the cpu fallback' },
  // layout
  { name: 'pad', inputs: [f([2, 3, 3, 2])], fn: (tf, x) => tf.pad(x, [[0, 0], [1, 2], [2, 1], [0, 0]]) },
  { name: 'mirrorPad reflect', inputs: [f([2, 4, 4, 2])], fn: (tf, x) => tf.mirrorPad(x, [[0, 0], [1, 1], [1, 1], [0, 0]], 'reflect') },
  { name: 'reshape + transpose (squeeze)', inputs: [f([2, 4, 4, 3])], fn: (tf, x) => tf.reshape(tf.transpose(tf.reshape(x, [2, 2, 2, 2, 2, 3]), [0, 1, 3, 5, 2, 4]), [2, 2, 2, 12]) },
  { name: 'concat + slice', inputs: [f([2, 3, 4]), f([2, 3, 2])], fn: (tf, a, b) => tf.concat([tf.slice(tf.concat([a, b], 2), [0, 1, 1], [2, 2, 4]), tf.slice(a, [0, 0, 0], [2, 2, 4])], 1) },
  { name: 'split + stack', inputs: [f([2, 6, 3])], fn: (tf, x) => { const [p, q] = tf.split(x, 2, 1); return tf.stack([tf.mul(p!, 2), tf.exp(q!)], 0); } },
  {
    name: 'split into 9 uneven parts, scaled and concatenated in reverse (webgpu: several parts per dispatch)',
    inputs: [f([2, 40, 16])],
    fn: (tf, x) => tf.concat(tf.split(x, [2, 3, 4, 5, 6, 4, 6, 5, 5], 1).map((p, j) => tf.mul(p, j + 1)).reverse(), 1),
  },
  {
    name: 'tile (nearest-neighbour upsampling)',
    inputs: [f([2, 3, 3, 2])],
    // Two rank-3 tiles (tfjs has Tile gradients up to rank 4): duplicate columns, then rows.
    fn: (tf, x) => {
      const cols = tf.reshape(tf.tile(tf.reshape(x, [18, 1, 2]), [1, 2, 1]), [6, 1, 12]);
      return tf.reshape(tf.tile(cols, [1, 2, 1]), [2, 6, 6, 2]);
    },
    note: 'cpu resizeNearestNeighbor gradient is wrong for batch > 1',
  },
  // reductions
  { name: 'sum', inputs: [f([3, 4, 5])], fn: (tf, x) => tf.sum(x, [0, 2]) },
  { name: 'sum over all but the last axis (bias gradient)', inputs: [f([2, 3, 3, 4])], fn: (tf, x) => tf.sum(tf.exp(x), [0, 1, 2]) },
  { name: 'sum over leading axes, keepDims, many rows (one workgroup per column on webgpu)', inputs: [f([4, 9, 8, 3])], fn: (tf, x) => tf.sum(tf.exp(x), [1, 0], true) },
  { name: 'sum over the first axis, few rows, many columns (one invocation per column on webgpu)', inputs: [f([3, 1500])], fn: (tf, x) => tf.sum(tf.square(x), 0) },
  { name: 'mean', inputs: [f([3, 4, 5])], fn: (tf, x) => tf.mean(x, 1) },
  { name: 'mean over leading axes, keepDims (batch statistics)', inputs: [f([4, 3, 3, 5])], fn: (tf, x) => tf.mul(x, tf.mean(tf.square(x), [0, 1, 2], true)) },
  { name: 'cast to bool and back (masks)', inputs: [f([4, 5], [-2, 2])], fn: (tf, x) => tf.mul(x, tf.cast(tf.cast(tf.round(x), 'bool'), 'float32')) },
  { name: 'max', inputs: [f([3, 4, 5])], fn: (tf, x) => tf.max(x, 2) },
  { name: 'min', inputs: [f([3, 4, 5])], fn: (tf, x) => tf.min(x, 0) },
  { name: 'logSumExp', inputs: [f([3, 4, 5], [-3, 3])], fn: (tf, x) => tf.logSumExp(x, 1) },
  // pooling
  { name: 'avgPool 2x2', inputs: [f([2, 6, 6, 3])], fn: (tf, x) => tf.avgPool(x as tfjs.Tensor4D, 2, 2, 'valid') },
  { name: 'avgPool 3x3 s1 same', inputs: [f([2, 5, 5, 2])], fn: (tf, x) => tf.avgPool(x as tfjs.Tensor4D, 3, 1, 'same') },
  { name: 'maxPool 2x2 s2', inputs: [f([2, 6, 6, 3])], fn: (tf, x) => tf.maxPool(x as tfjs.Tensor4D, 2, 2, 'valid'), note: "wasm's own MaxPoolGrad is wrong (tfjs 4.22); the engine replaces it" },
  { name: 'maxPool 3x3 s2 same', inputs: [f([2, 7, 7, 3])], fn: (tf, x) => tf.maxPool(x as tfjs.Tensor4D, 3, 2, 'same'), note: "wasm's own MaxPoolGrad is wrong (tfjs 4.22); the engine replaces it" },
  // The engine's GroupNorm (fused WebGPU kernels where our own kernels are on; tfjs ops elsewhere): several
  // channels per group, one, and an odd count; with SiLU; and a gradient of a gradient (the fused backward is
  // not differentiable, so there the tfjs-op VJP must take over).
  {
    name: 'groupNorm (4 groups of 2 channels)',
    inputs: [f([2, 3, 4, 8], [-2, 3]), f([8], positive), f([8])],
    fn: (_tf, x, g, b) => groupNorm(x as tfjs.Tensor4D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 4, eps: 1e-5 }),
  },
  {
    name: 'groupNorm + SiLU (2 groups of 3 channels)',
    inputs: [f([2, 5, 3, 6], [-2, 2]), f([6], positive), f([6])],
    fn: (_tf, x, g, b) => groupNorm(x as tfjs.Tensor4D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 2, eps: 1e-5, activation: 'silu' }),
  },
  {
    name: 'groupNorm + SiLU, one channel per group, 200 positions (several strides of a workgroup)',
    inputs: [f([1, 10, 20, 4], [-2, 2]), f([4], positive), f([4])],
    fn: (_tf, x, g, b) => groupNorm(x as tfjs.Tensor4D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 4, eps: 1e-5, activation: 'silu' }),
  },
  {
    name: 'gradient of groupNorm + SiLU, differentiated again',
    inputs: [f([2, 3, 3, 4], [-2, 2]), f([4], positive), f([4])],
    fn: (tf, x, g, b) => {
      const r = tf.sin(tf.range(0, x.size).reshape(x.shape));
      return tf.grad((xx: tfjs.Tensor) => tf.sum(tf.mul(groupNorm(xx as tfjs.Tensor4D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 2, eps: 1e-5, activation: 'silu' }), r)))(x);
    },
    note: 'second order: the fused backward is replaced by the tfjs-op VJP when a tape records it',
  },
  // GroupNorm of x plus a per-(sample, channel) offset (a resnet's time projection): on webgpu the offset variant
  // of the fused kernels (a power-of-two count of channels per group, up to a workgroup), else the add first.
  {
    name: 'groupNorm + SiLU of x + offset (4 groups of 4 channels)',
    inputs: [f([2, 5, 3, 16], [-2, 2]), f([2, 16]), f([16], positive), f([16])],
    fn: (_tf, x, o, g, b) => groupNormWithOffset(x as tfjs.Tensor4D, o as tfjs.Tensor2D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 4, eps: 1e-5, activation: 'silu' }),
  },
  {
    // (Not one channel per group: there the offset cancels with the mean, and its gradient is rounding noise.)
    name: 'groupNorm of x + offset, two channels per group, 200 positions (several strides of a workgroup)',
    inputs: [f([2, 10, 20, 4], [-2, 2]), f([2, 4]), f([4], positive), f([4])],
    fn: (_tf, x, o, g, b) => groupNormWithOffset(x as tfjs.Tensor4D, o as tfjs.Tensor2D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 2, eps: 1e-5 }),
  },
  {
    name: 'groupNorm + SiLU of x + offset, 128 channels in one group (a whole workgroup of channels)',
    inputs: [f([1, 3, 3, 128], [-2, 2]), f([1, 128]), f([128], positive), f([128])],
    fn: (_tf, x, o, g, b) => groupNormWithOffset(x as tfjs.Tensor4D, o as tfjs.Tensor2D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 1, eps: 1e-5, activation: 'silu' }),
  },
  {
    name: 'gradient of groupNorm + SiLU of x + offset, differentiated again',
    inputs: [f([2, 3, 3, 4], [-2, 2]), f([2, 4])],
    fn: (tf, x, o) => {
      const r = tf.sin(tf.range(0, x.size).reshape(x.shape));
      const [g, b] = [tf.fill([4], 1.3), tf.fill([4], -0.2)];
      return tf.grad((oo: tfjs.Tensor) => tf.sum(tf.mul(groupNormWithOffset(x as tfjs.Tensor4D, oo as tfjs.Tensor2D, g as tfjs.Tensor1D, b as tfjs.Tensor1D, { groups: 2, eps: 1e-5, activation: 'silu' }), r)))(o);
    },
    note: 'second order through the offset: the tfjs-op VJP when a tape records the gradient',
  },
  // The affine coupling's bijection (fused kernels on webgpu): outputs and per-sample log|det| side by side.
  {
    name: 'affine coupling: y and log|det|',
    inputs: [f([3, 4, 5, 2], [-2, 2]), f([3, 4, 5, 2]), f([3, 4, 5, 2], [-4, 3])],
    fn: (tf, x, shift, raw) => {
      const { y, logabsdet } = affineCouplingForward(x!, shift!, raw!);
      return tf.concat([tf.reshape(y, [3, 40]), tf.reshape(logabsdet, [3, 1])], 1);
    },
  },
  {
    name: 'affine coupling, 300 values per sample (several strides of a workgroup)',
    inputs: [f([2, 300], [-2, 2]), f([2, 300]), f([2, 300], [-3, 3])],
    fn: (tf, x, shift, raw) => {
      const { y, logabsdet } = affineCouplingForward(x!, shift!, raw!);
      return tf.concat([y, tf.reshape(logabsdet, [2, 1])], 1);
    },
  },
  {
    name: 'gradient of the affine coupling, differentiated again',
    inputs: [f([2, 3, 3, 2], [-2, 2]), f([2, 3, 3, 2]), f([2, 3, 3, 2], [-3, 3])],
    fn: (tf, x, shift, raw) => {
      const r = tf.sin(tf.range(0, x!.size).reshape(x!.shape));
      const loss = (xx: tfjs.Tensor, rr: tfjs.Tensor) => {
        const { y, logabsdet } = affineCouplingForward(xx, shift!, rr);
        return tf.add(tf.sum(tf.mul(y, r)), tf.sum(tf.mul(logabsdet, tf.tensor1d([0.7, -1.3]))));
      };
      const [gx, graw] = tf.grads(loss)([x!, raw!]);
      return tf.add(tf.add(tf.mul(gx!, 0.5), graw!), tf.square(shift!)); // shift drops out of the second derivatives
    },
    note: 'second order: the fused backward is replaced by tfjs ops when a tape records it',
  },
  // The rational-quadratic spline from packed parameters (fused kernels on webgpu): inputs across [−1.5B, 1.5B]
  // (both tails and every bin), forward and inverse, one bin (no interior derivatives), several workgroup strides.
  {
    name: 'rq spline (packed), K=4, B=2, both tails',
    inputs: [f([2, 3, 3, 2], [-3, 3]), f([2, 3, 3, 2 * 11], [-1.5, 1.5])],
    fn: (tf, x, p) => packedSpline(tf, x!, p!, { numBins: 4, tailBound: 2, binScale: 0.7 }),
  },
  {
    name: 'rq spline (packed) inverse, K=5, B=1.5',
    inputs: [f([3, 2, 4], [-2, 2]), f([3, 2, 4 * 14], [-1.5, 1.5])],
    fn: (tf, x, p) => packedSpline(tf, x!, p!, { numBins: 5, tailBound: 1.5, inverse: true }),
  },
  {
    name: 'rq spline (packed), one bin',
    inputs: [f([2, 5], [-1.2, 1.2]), f([2, 10])],
    fn: (tf, x, p) => packedSpline(tf, x!, p!, { numBins: 1, minDerivative: 0.01 }),
  },
  {
    name: 'rq spline (packed), K=8, 300 values per sample (several strides of a workgroup)',
    inputs: [f([2, 300], [-3.5, 3.5]), f([2, 300 * 23], [-1, 1])],
    fn: (tf, x, p) => packedSpline(tf, x!, p!, { numBins: 8, tailBound: 3, binScale: 0.5 }),
  },
  {
    name: 'gradient of the rq spline (packed), differentiated again',
    inputs: [f([2, 3, 2], [-1.2, 1.2]), f([2, 3, 2 * 8], [-1, 1])],
    fn: (tf, x, p) => {
      const r = tf.sin(tf.range(0, x!.size).reshape(x!.shape));
      const loss = (xx: tfjs.Tensor, pp: tfjs.Tensor) => {
        const { outputs, logabsdet } = rationalQuadraticSplinePacked(xx, pp, splineSettings({ numBins: 3 }));
        return tf.add(tf.sum(tf.mul(outputs, r)), tf.sum(tf.mul(logabsdet, tf.tensor1d([0.7, -1.3]))));
      };
      const [gx, gp] = tf.grads(loss)([x!, p!]);
      return tf.concat([tf.reshape(gx!, [2, 6]), tf.reshape(gp!, [2, 48])], 1);
    },
    note: 'second order: the fused backward gives way to the tfjs-op spline\'s gradient when a tape records it',
  },
  // The engine's relu (one-dispatch gradient on webgpu) and standard normal log-density (fused on webgpu).
  { name: 'relu (engine op)', inputs: [f([3, 5, 7], [-2, 2])], fn: (_tf, x) => relu(x!) },
  { name: 'standard normal log-density per sample', inputs: [f([3, 4, 5, 2], [-2, 2])], fn: (_tf, z) => standardNormalLogProb(z!) },
  { name: 'standard normal log-density, 700 values per sample', inputs: [f([2, 700], [-3, 3])], fn: (_tf, z) => standardNormalLogProb(z!) },
  {
    name: 'gradients of relu and the normal log-density, differentiated again',
    inputs: [f([2, 3, 4], [-2, 2])],
    fn: (tf, x) => tf.add(tf.grad((z: tfjs.Tensor) => standardNormalLogProb(tf.mul(relu(z), z)).sum())(x!), tf.square(x!)),
    note: 'second order: the fused backward kernels give way to tfjs ops when a tape records them',
  },
];
