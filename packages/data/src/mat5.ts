import { inflateSync } from 'node:zlib';
import { FormatError } from './errors.js';

/**
 * A reader for the subset of MATLAB's Level 5 MAT-file format (the v6/v7 layout that `save -v7` and
 * `scipy.io.savemat` write) that numeric datasets use: real, non-sparse numeric arrays, compressed
 * (miCOMPRESSED, zlib via node:zlib) or not, either byte order, including the "small data element" tag
 * form. Other variables (cells, structs, char, sparse, complex, objects) are listed as unsupported rather
 * than read. v7.3 files are HDF5 and are rejected with a clear message.
 */

export type MatClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export interface MatNumericArray {
  name: string;
  class: MatClass;
  /** MATLAB dimensions; the data is in column-major (Fortran) order. */
  dims: number[];
  data: Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;
}

export interface MatFile {
  header: string;
  variables: Map<string, MatNumericArray>;
  /** Variables present but not readable by this reader, with the reason. */
  unsupported: Map<string, string>;
}

// Data types (miXXX) → element size
const MI_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8 };
const MI_MATRIX = 14;
const MI_COMPRESSED = 15;
const MX_CLASSES: Record<number, MatClass | string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse',
  6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const NUMERIC = new Set(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

interface Element {
  type: number;
  body: Uint8Array;
  /** Offset just after the element, padding included. */
  next: number;
}

function readTag(view: DataView, bytes: Uint8Array, at: number, little: boolean): Element {
  if (at + 8 > bytes.length) throw new FormatError(`MAT: element tag truncated at byte ${at}`);
  const first = view.getUint32(at, little);
  const small = first >>> 16;
  if (small !== 0) {
    // Small data element: size in the upper 16 bits, type in the lower 16, ≤ 4 bytes of data inline.
    const type = first & 0xffff;
    if (small > 4) throw new FormatError(`MAT: small data element of ${small} bytes at byte ${at}`);
    return { type, body: bytes.subarray(at + 4, at + 4 + small), next: at + 8 };
  }
  const type = first;
  const size = view.getUint32(at + 4, little);
  const start = at + 8;
  if (start + size > bytes.length) throw new FormatError(`MAT: element at byte ${at} claims ${size} bytes, only ${bytes.length - start} remain (truncated)`);
  // Compressed elements are not padded; all others are padded to a multiple of 8 bytes.
  const next = type === MI_COMPRESSED ? start + size : start + Math.ceil(size / 8) * 8;
  return { type, body: bytes.subarray(start, start + size), next: Math.min(next, bytes.length) };
}

function numericValues(type: number, body: Uint8Array, little: boolean): ArrayLike<number> {
  const size = MI_SIZE[type];
  if (size === undefined) throw new FormatError(`MAT: unsupported data type ${type} for numeric data`);
  if (body.length % size !== 0) throw new FormatError(`MAT: ${body.length} bytes is not a whole number of type-${type} elements`);
  const n = body.length / size;
  if (type === 2) return body;
  if (type === 1) return new Int8Array(body.buffer, body.byteOffset, n);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const o = i * size;
    out[i] =
      type === 3 ? view.getInt16(o, little)
      : type === 4 ? view.getUint16(o, little)
      : type === 5 ? view.getInt32(o, little)
      : type === 6 ? view.getUint32(o, little)
      : type === 7 ? view.getFloat32(o, little)
      : type === 9 ? view.getFloat64(o, little)
      : type === 12 ? Number(view.getBigInt64(o, little))
      : Number(view.getBigUint64(o, little));
  }
  return out;
}

function allocate(cls: MatClass, n: number): MatNumericArray['data'] {
  switch (cls) {
    case 'double': case 'int64': case 'uint64': return new Float64Array(n); // 64-bit ints as doubles
    case 'single': return new Float32Array(n);
    case 'int8': return new Int8Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'int16': return new Int16Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint32': return new Uint32Array(n);
  }
}

type MatrixResult = { ok: MatNumericArray } | { skip: string; name: string };

function readMatrix(body: Uint8Array, little: boolean): MatrixResult {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (body.length === 0) return { skip: 'empty matrix element', name: '' };
  const flags = readTag(view, body, 0, little);
  if (flags.type !== 6 || flags.body.length < 8) throw new FormatError('MAT: array flags sub-element missing');
  const flagWord = new DataView(flags.body.buffer, flags.body.byteOffset, 8).getUint32(0, little);
  const classId = flagWord & 0xff;
  const complex = (flagWord & 0x800) !== 0;
  const dimsEl = readTag(view, body, flags.next, little);
  if (dimsEl.type !== 5) throw new FormatError('MAT: dimensions sub-element missing');
  const dims = Array.from(numericValues(5, dimsEl.body, little));
  const nameEl = readTag(view, body, dimsEl.next, little);
  const name = new TextDecoder('latin1').decode(nameEl.body);
  const cls = MX_CLASSES[classId] ?? `class ${classId}`;
  if (!NUMERIC.has(cls)) return { skip: `${cls} arrays are not supported`, name };
  if (complex) return { skip: 'complex arrays are not supported', name };
  const real = readTag(view, body, nameEl.next, little);
  const values = numericValues(real.type, real.body, little);
  const count = dims.reduce((a, b) => a * b, 1);
  if (values.length !== count) throw new FormatError(`MAT: variable "${name}" has dims [${dims.join(', ')}] (${count} values) but ${values.length} stored`);
  const klass = cls as MatClass;
  // The stored type may be narrower than the class (MATLAB stores integer-valued doubles as uint8, …).
  const data = values instanceof Uint8Array && klass === 'uint8' ? values : allocate(klass, count);
  if (data !== values) data.set(values);
  return { ok: { name, class: klass, dims, data } };
}

export function parseMat5(bytes: Uint8Array): MatFile {
  if (bytes.length < 128) throw new FormatError(`MAT: file is ${bytes.length} bytes, shorter than the 128-byte header`);
  const header = new TextDecoder('latin1').decode(bytes.subarray(0, 116)).replace(/[\s\0]+$/, '');
  if (header.startsWith('MATLAB 7.3')) throw new FormatError('MAT: v7.3 (HDF5) files are not supported; re-save with -v7 (or use the official SVHN files)');
  const indicator = String.fromCharCode(bytes[126]!, bytes[127]!);
  if (indicator !== 'IM' && indicator !== 'MI') throw new FormatError(`MAT: not a Level 5 MAT-file (endian indicator ${JSON.stringify(indicator)})`);
  const little = indicator === 'IM';
  const variables = new Map<string, MatNumericArray>();
  const unsupported = new Map<string, string>();
  const visit = (data: Uint8Array, compressedOrigin: boolean) => {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let at = compressedOrigin ? 0 : 128;
    while (at < data.length) {
      if (!compressedOrigin && data.length - at < 8) break; // trailing padding
      const el = readTag(view, data, at, little);
      if (el.type === MI_COMPRESSED) {
        let inflated: Uint8Array;
        try {
          inflated = inflateSync(el.body);
        } catch (error) {
          throw new FormatError(`MAT: compressed element at byte ${at} is corrupt (${(error as Error).message})`);
        }
        visit(inflated, true);
      } else if (el.type === MI_MATRIX) {
        const result = readMatrix(el.body, little);
        if ('ok' in result) variables.set(result.ok.name, result.ok);
        else unsupported.set(result.name, result.skip);
      } else {
        throw new FormatError(`MAT: unexpected top-level element type ${el.type} at byte ${at}`);
      }
      at = el.next;
      if (compressedOrigin) break; // one variable per compressed element
    }
  };
  visit(bytes, false);
  return { header, variables, unsupported };
}
