import type { TensorRecord, TorchDtype } from './torch-unpickler.js';
import { DTYPE_BYTES } from './torch-unpickler.js';

/** A tensor's values as JS sees them: float16/bfloat16 widen to Float32Array, int64 is a BigInt64Array, bool a Uint8Array of 0/1. */
export type TensorValues = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/**
 * Gathers a (possibly strided, offset) view out of the storage bytes `[firstByte, …)` into row-major,
 * little-endian element bytes. `storageBytes` starts at element `firstElement` of the storage.
 */
export function gatherRowMajor(t: TensorRecord, storageBytes: Uint8Array, firstElement: number): Uint8Array {
  const size = DTYPE_BYTES[t.dtype];
  const n = numelOf(t.shape);
  const out = new Uint8Array(n * size);
  if (n === 0) return out;
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = t.offset - firstElement;
  for (let i = 0; i < n; i++) {
    out.set(storageBytes.subarray(src * size, src * size + size), i * size);
    // Odometer over the row-major index, moving `src` by the strides.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]! += 1;
      src += t.stride[d]!;
      if (index[d]! < t.shape[d]!) break;
      src -= t.stride[d]! * t.shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** The [first, last] storage elements a view touches (for a non-empty view). */
export function storageSpan(t: TensorRecord): { first: number; count: number } {
  if (numelOf(t.shape) === 0) return { first: t.offset, count: 0 };
  const last = t.offset + t.shape.reduce((acc, d, i) => acc + (d - 1) * t.stride[i]!, 0);
  return { first: t.offset, count: last - t.offset + 1 };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Row-major little-endian element bytes → the typed array of `dtype` (see TensorValues). Typed arrays use the host byte order: little-endian hosts (x86, arm) only. */
export function toTypedArray(dtype: TorchDtype, bytes: Uint8Array): TensorValues {
  const copy = bytes.slice();
  const buf = copy.buffer;
  const view = new DataView(buf);
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'uint8':
    case 'bool':
      return copy;
    case 'float16': {
      const out = new Float32Array(copy.length / 2);
      for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const out = new Float32Array(copy.length / 2);
      const wide = new Uint32Array(out.buffer);
      for (let i = 0; i < out.length; i++) wide[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
  }
}
