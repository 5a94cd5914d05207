import type { Shape4 } from './types.js';

/**
 * Antialiased bilinear resizing with the separable triangle filter of PIL's `Image.resize(BILINEAR)`,
 * which torch's `interpolate(mode='bilinear', antialias=True, align_corners=False)` (and so torchvision's
 * `Resize(antialias=True)`) reimplements: when shrinking, the filter widens by the scale factor, so every
 * input pixel contributes (no aliasing); when enlarging, it is plain half-pixel bilinear.
 *
 * Two precisions, matching the two places upstream resizes (docs/reference-notes.md §1.2):
 * - `resizeFloat`: float math, as torchvision's resize of a float tensor (MNIST, FMNIST, CIFAR, SVHN):
 *   the result is non-integer.
 * - `resizeUint8`: PIL's 8-bit fixed-point arithmetic with a rounded uint8 intermediate between the
 *   horizontal and the vertical pass (EMNIST, Omniglot, CelebA, CelebA-small, Tiny-ImageNet).
 * Both do the horizontal pass first and skip an axis whose size does not change, like PIL and torch.
 * (sharp's own `linear` kernel differs from PIL's by up to 5 grey levels, so it is not used for this.)
 */
export interface AxisWeights {
  /** First input index used by each output index. */
  start: Int32Array;
  /** Number of input indices used by each output index. */
  count: Int32Array;
  /** Normalised weights, `stride` per output index. */
  weights: Float64Array;
  stride: number;
}

export function bilinearAxisWeights(inSize: number, outSize: number): AxisWeights {
  if (!(Number.isInteger(inSize) && inSize > 0 && Number.isInteger(outSize) && outSize > 0)) {
    throw new RangeError(`resize: sizes must be positive integers, got ${inSize} → ${outSize}`);
  }
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle filter's support is 1
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const lo = Math.max(Math.trunc(center - support + 0.5), 0);
    const n = Math.min(Math.trunc(center + support + 0.5), inSize) - lo;
    let total = 0;
    for (let k = 0; k < n; k++) {
      const x = Math.abs((k + lo - center + 0.5) / filterScale);
      const w = x < 1 ? 1 - x : 0;
      weights[o * stride + k] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < n; k++) weights[o * stride + k]! /= total;
    start[o] = lo;
    count[o] = n;
  }
  return { start, count, weights, stride };
}

function checkShape(length: number, shape: Shape4, size: readonly [number, number]): void {
  const [n, c, h, w] = shape;
  if (length !== n * c * h * w) throw new RangeError(`resize: data has ${length} values, shape [${shape.join(', ')}] needs ${n * c * h * w}`);
  if (!(Number.isInteger(size[0]) && size[0] > 0 && Number.isInteger(size[1]) && size[1] > 0)) {
    throw new RangeError(`resize: target size must be two positive integers, got [${size.join(', ')}]`);
  }
}

/** Resizes every H×W plane of an NCHW array; float output (torch semantics). */
export function resizeFloat(data: Float32Array | Uint8Array, shape: Shape4, size: readonly [number, number]): Float32Array {
  checkShape(data.length, shape, size);
  const [n, c, h, w] = shape;
  const [oh, ow] = size;
  const planes = n * c;
  let cur: Float32Array = data instanceof Float32Array ? data : Float32Array.from(data);
  let curW = w;
  if (ow !== w) {
    const ax = bilinearAxisWeights(w, ow);
    const out = new Float32Array(planes * h * ow);
    for (let row = 0; row < planes * h; row++) {
      const src = row * w;
      const dst = row * ow;
      for (let x = 0; x < ow; x++) {
        const s = ax.start[x]!;
        const k0 = x * ax.stride;
        let acc = 0;
        for (let k = 0; k < ax.count[x]!; k++) acc += cur[src + s + k]! * ax.weights[k0 + k]!;
        out[dst + x] = acc;
      }
    }
    cur = out;
    curW = ow;
  }
  if (oh !== h) {
    const ax = bilinearAxisWeights(h, oh);
    const out = new Float32Array(planes * oh * curW);
    for (let p = 0; p < planes; p++) {
      const src = p * h * curW;
      const dst = p * oh * curW;
      for (let y = 0; y < oh; y++) {
        const s = ax.start[y]!;
        const k0 = y * ax.stride;
        const o = dst + y * curW;
        for (let k = 0; k < ax.count[y]!; k++) {
          const wgt = ax.weights[k0 + k]!;
          const r = src + (s + k) * curW;
          for (let x = 0; x < curW; x++) out[o + x]! += cur[r + x]! * wgt;
        }
      }
    }
    cur = out;
  }
  return cur === data ? Float32Array.from(cur) : cur;
}

const PRECISION_BITS = 22; // PIL: 32 − 8 − 2
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

function fixedPoint(weights: Float64Array): Float64Array {
  // PIL rounds each normalised weight to an integer number of 2^-22 units (half away from zero).
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const v = weights[i]! * ONE;
    out[i] = v < 0 ? Math.trunc(v - 0.5) : Math.trunc(v + 0.5);
  }
  return out;
}

function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resizes every H×W plane of an NCHW uint8 array; uint8 output (PIL semantics). */
export function resizeUint8(data: Uint8Array, shape: Shape4, size: readonly [number, number]): Uint8Array {
  checkShape(data.length, shape, size);
  const [n, c, h, w] = shape;
  const [oh, ow] = size;
  const planes = n * c;
  let cur = data;
  let curW = w;
  if (ow !== w) {
    const ax = bilinearAxisWeights(w, ow);
    const kk = fixedPoint(ax.weights);
    const out = new Uint8Array(planes * h * ow);
    for (let row = 0; row < planes * h; row++) {
      const src = row * w;
      const dst = row * ow;
      for (let x = 0; x < ow; x++) {
        const s = ax.start[x]!;
        const k0 = x * ax.stride;
        let acc = HALF;
        for (let k = 0; k < ax.count[x]!; k++) acc += cur[src + s + k]! * kk[k0 + k]!;
        out[dst + x] = clip8(acc);
      }
    }
    cur = out;
    curW = ow;
  }
  if (oh !== h) {
    const ax = bilinearAxisWeights(h, oh);
    const kk = fixedPoint(ax.weights);
    const out = new Uint8Array(planes * oh * curW);
    const acc = new Float64Array(curW);
    for (let p = 0; p < planes; p++) {
      const src = p * h * curW;
      const dst = p * oh * curW;
      for (let y = 0; y < oh; y++) {
        acc.fill(HALF);
        const s = ax.start[y]!;
        const k0 = y * ax.stride;
        for (let k = 0; k < ax.count[y]!; k++) {
          const wgt = kk[k0 + k]!;
          const r = src + (s + k) * curW;
          for (let x = 0; x < curW; x++) acc[x]! += cur[r + x]! * wgt;
        }
        const o = dst + y * curW;
        for (let x = 0; x < curW; x++) out[o + x] = clip8(acc[x]!);
      }
    }
    cur = out;
  }
  return cur === data ? data.slice() : cur;
}
