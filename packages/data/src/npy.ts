import { FormatError } from './errors.js';

/**
 * NumPy's `.npy` format (numpy.lib.format): magic `\x93NUMPY`, version byte pair, header length (u16 for
 * version 1, u32 for 2 and 3), a Python dict literal `{'descr': …, 'fortran_order': …, 'shape': (…), }`
 * padded with spaces, then the raw elements. Little-endian numeric dtypes and booleans only; values are
 * returned in C order (a Fortran-order array is reordered). Typed arrays assume a little-endian host.
 */
export type NpyDtype = 'u1' | 'i1' | 'i2' | 'i4' | 'i8' | 'f4' | 'f8' | 'b1';

export type NpyData = Uint8Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Row-major (C order) elements; booleans as 0/1 bytes. */
  data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ITEM_BYTES: Record<NpyDtype, number> = { u1: 1, i1: 1, i2: 2, i4: 4, i8: 8, f4: 4, f8: 8, b1: 1 };
/** numpy writes `|` for byte-sized types and `<` for little-endian ones. */
const DESCRS: Record<string, NpyDtype> = {
  '|u1': 'u1', '<u1': 'u1', '|i1': 'i1', '<i1': 'i1', '|b1': 'b1', '<b1': 'b1',
  '<i2': 'i2', '<i4': 'i4', '<i8': 'i8', '<f4': 'f4', '<f8': 'f8',
};

/** `npy <name>: <what> at offset N` — names the array and the byte position for a corrupt file. */
function npyError(name: string, what: string, offset: number): FormatError {
  return new FormatError(`npy ${name}: ${what} at offset ${offset}`);
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Parses the header dict; numpy writes exactly these three keys with Python literal values. */
function parseHeader(text: string, name: string, offset: number): NpyHeader {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  if (!descr) {
    const structured = /'descr'\s*:\s*\[/.test(text);
    throw npyError(name, structured ? 'structured dtypes are not supported' : `header has no 'descr' string (${JSON.stringify(text.trim())})`, offset);
  }
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw npyError(name, `header has no 'fortran_order' (${JSON.stringify(text.trim())})`, offset);
  const shapeMatch = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeMatch) throw npyError(name, `header has no 'shape' tuple (${JSON.stringify(text.trim())})`, offset);
  const shape = shapeMatch[1]!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+L?$/.test(s) ? Number.parseInt(s, 10) : Number.NaN));
  if (shape.some((d) => !Number.isSafeInteger(d))) throw npyError(name, `bad shape (${shapeMatch[1]})`, offset);
  return { descr: descr[1]!, fortranOrder: fortran[1] === 'True', shape };
}

function typedArray(dtype: NpyDtype, buffer: ArrayBuffer): NpyData {
  switch (dtype) {
    case 'u1':
    case 'b1':
      return new Uint8Array(buffer);
    case 'i1':
      return new Int8Array(buffer);
    case 'i2':
      return new Int16Array(buffer);
    case 'i4':
      return new Int32Array(buffer);
    case 'i8':
      return new BigInt64Array(buffer);
    case 'f4':
      return new Float32Array(buffer);
    case 'f8':
      return new Float64Array(buffer);
  }
}

/** Fortran order (first index fastest) → C order (last index fastest), element by element. */
function fortranToC<T extends NpyData>(data: T, shape: number[]): T {
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const n = data.length;
  if (n === 0 || shape.length < 2) return data;
  const index = new Array<number>(shape.length).fill(0);
  const fStrides = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
  for (let c = 0; c < n; c++) {
    let f = 0;
    for (let k = 0; k < shape.length; k++) f += index[k]! * fStrides[k]!;
    (out as unknown as ArrayLike<number | bigint> & { [i: number]: number | bigint })[c] = data[f]!;
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++index[k]! < shape[k]!) break;
      index[k] = 0;
    }
  }
  return out;
}

/** Parses a whole `.npy` file. `name` (e.g. the npz entry) only labels errors. */
export function parseNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10) throw npyError(name, `truncated header (${bytes.length} bytes)`, bytes.length);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw npyError(name, 'bad magic (not a .npy file)', 0);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw npyError(name, `unsupported format version ${major}.${bytes[7]}`, 6);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw npyError(name, 'truncated header length', bytes.length);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw npyError(name, `truncated header (needs ${headerLength} bytes, has ${bytes.length - headerStart})`, bytes.length);
  // Version 3 headers are UTF-8; versions 1 and 2 latin-1 (all of numpy's own keys are ASCII either way).
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const header = parseHeader(text, name, headerStart);
  const dtype = DESCRS[header.descr];
  if (!dtype) throw npyError(name, `unsupported dtype '${header.descr}' (supported: u1, i1, <i2, <i4, <i8, <f4, <f8, |b1)`, headerStart);
  const count = header.shape.reduce((a, b) => a * b, 1);
  const byteLength = count * ITEM_BYTES[dtype];
  const available = bytes.length - dataStart;
  if (available < byteLength) throw npyError(name, `truncated data (${header.shape.join('×')} ${header.descr} needs ${byteLength} bytes, has ${available})`, bytes.length);
  if (available > byteLength) throw npyError(name, `${available - byteLength} trailing bytes after the data`, dataStart + byteLength);
  // A copy into a fresh, aligned buffer: the data offset is rarely a multiple of the element size. (Uint8Array's
  // slice, not Buffer's, which would return a view.)
  let data = typedArray(dtype, Uint8Array.prototype.slice.call(bytes, dataStart, dataStart + byteLength).buffer);
  if (header.fortranOrder) data = fortranToC(data, header.shape);
  return { dtype, shape: header.shape, data };
}
