import type { Shape4 } from './types.js';

/**
 * NCHW ↔ NHWC reordering of plain arrays. The package (and upstream) is NCHW; tfjs convolutions want NHWC,
 * so model code converts at the boundary with these (or with tensors.ts).
 */
export function nchwToNhwc<T extends Float32Array | Uint8Array>(data: T, shape: Shape4): T {
  const [n, c, h, w] = shape;
  const out = new (data.constructor as new (len: number) => T)(data.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * c * plane;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[base + p * c + ch] = data[base + ch * plane + p]!;
  }
  return out;
}

/** Inverse of nchwToNhwc; `shape` is the NCHW shape of the result. */
export function nhwcToNchw<T extends Float32Array | Uint8Array>(data: T, shape: Shape4): T {
  const [n, c, h, w] = shape;
  const out = new (data.constructor as new (len: number) => T)(data.length);
  const plane = h * w;
  for (let i = 0; i < n; i++) {
    const base = i * c * plane;
    for (let ch = 0; ch < c; ch++) for (let p = 0; p < plane; p++) out[base + ch * plane + p] = data[base + p * c + ch]!;
  }
  return out;
}
