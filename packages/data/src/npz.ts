import { crc32, inflateRawSync } from 'node:zlib';
import { FormatError } from './errors.js';
import { parseNpy, type NpyArray } from './npy.js';

/**
 * NumPy's `.npz` (`np.savez`, `np.savez_compressed`): a zip of `<key>.npy` entries, stored (method 0) or
 * DEFLATE-compressed (method 8). The whole file is in memory (dataset files are read whole); entries are
 * decompressed and parsed only when asked for, and their CRC-32 is checked. numpy writes every entry with
 * `force_zip64`, so local headers carry zip64 extra fields; sizes are taken from the central directory,
 * whose zip64 fields are read too.
 */
export interface NpzEntry {
  name: string;
  method: number;
  size: number;
  compressedSize: number;
  crc32: number;
  localHeaderOffset: number;
}

export interface NpzFile {
  /** The array names (entry names without `.npy`), in archive order. */
  keys: string[];
  entries: ReadonlyMap<string, NpzEntry>;
  /** Decompresses and parses one array; throws FormatError naming the entry and offset when it is corrupt. */
  get(key: string): NpyArray;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_MIN = 22;
const U32_MAX = 0xffffffff;

function zipError(what: string, offset: number, entry?: string): FormatError {
  return new FormatError(`npz${entry !== undefined ? ` entry ${entry}` : ''}: ${what} at offset ${offset}`);
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw zipError('64-bit field too large', at);
  return Number(v);
}

/** The end-of-central-directory record: where the central directory is and how many entries it has. */
function readEnd(view: DataView): { count: number; offset: number; size: number } {
  const len = view.byteLength;
  if (len < EOCD_MIN) throw zipError(`too short for a zip file (${len} bytes)`, len);
  let eocd = -1;
  for (let at = len - EOCD_MIN; at >= Math.max(0, len - EOCD_MIN - 0xffff); at--) {
    if (view.getUint32(at, true) === EOCD_SIG) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw zipError('no end of central directory record (not a zip file, or truncated)', len);
  let count = view.getUint16(eocd + 10, true);
  let size = view.getUint32(eocd + 12, true);
  let offset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const z = u64(view, locator + 8);
    if (z + 56 > len || view.getUint32(z, true) !== ZIP64_EOCD_SIG) throw zipError('bad zip64 end of central directory', z);
    count = u64(view, z + 32);
    size = u64(view, z + 40);
    offset = u64(view, z + 48);
  }
  if (offset + size > len) throw zipError(`central directory (${size} bytes) runs past the end of the file`, offset);
  return { count, offset, size };
}

/** Replaces 0xFFFFFFFF sizes/offset with the values of the zip64 extra field (id 1), in the spec's order. */
function applyZip64(view: DataView, extraStart: number, extraEnd: number, entry: NpzEntry): void {
  const need = [entry.size === U32_MAX, entry.compressedSize === U32_MAX, entry.localHeaderOffset === U32_MAX];
  if (!need.some(Boolean)) return;
  for (let at = extraStart; at + 4 <= extraEnd; ) {
    const id = view.getUint16(at, true);
    const len = view.getUint16(at + 2, true);
    if (id === 1) {
      let p = at + 4;
      const next = (): number => {
        if (p + 8 > at + 4 + len) throw zipError('short zip64 extra field', at, entry.name);
        const v = u64(view, p);
        p += 8;
        return v;
      };
      if (need[0]) entry.size = next();
      if (need[1]) entry.compressedSize = next();
      if (need[2]) entry.localHeaderOffset = next();
      return;
    }
    at += 4 + len;
  }
  throw zipError('32-bit size overflow without a zip64 extra field', extraStart, entry.name);
}

function readCentral(view: DataView, bytes: Uint8Array): Map<string, NpzEntry> {
  const { count, offset } = readEnd(view);
  const entries = new Map<string, NpzEntry>();
  let at = offset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > view.byteLength || view.getUint32(at, true) !== CENTRAL_SIG) throw zipError(`bad central directory header ${i}`, at);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    if (at + 46 + nameLength + extraLength > view.byteLength) throw zipError(`central directory header ${i} runs past the end`, at);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const entry: NpzEntry = {
      name,
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    applyZip64(view, at + 46 + nameLength, at + 46 + nameLength + extraLength, entry);
    entries.set(name, entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The entry's uncompressed bytes, CRC-checked. */
function entryBytes(view: DataView, bytes: Uint8Array, entry: NpzEntry): Uint8Array {
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIG) throw zipError('bad local header', at, entry.name);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw zipError(`truncated data (needs ${entry.compressedSize} bytes, has ${Math.max(0, bytes.length - start)})`, bytes.length, entry.name);
  const raw = bytes.subarray(start, end);
  let out: Uint8Array;
  if (entry.method === 0) out = raw;
  else if (entry.method === 8) {
    try {
      const b = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
      out = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (error) {
      throw zipError(`corrupt DEFLATE stream (${(error as Error).message})`, start, entry.name);
    }
  } else throw zipError(`unsupported compression method ${entry.method} (stored and DEFLATE only)`, at + 8, entry.name);
  if (out.length !== entry.size) throw zipError(`size ${out.length} differs from the directory's ${entry.size}`, start, entry.name);
  if (crc32(out) >>> 0 !== entry.crc32) throw zipError('CRC-32 mismatch', start, entry.name);
  return out;
}

/** Opens an in-memory `.npz`: reads its directory now, its arrays on `get`. */
export function openNpz(bytes: Uint8Array): NpzFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries = readCentral(view, bytes);
  const keys = [...entries.keys()].map((n) => n.replace(/\.npy$/, ''));
  return {
    keys,
    entries,
    get(key: string): NpyArray {
      const entry = entries.get(`${key}.npy`) ?? entries.get(key);
      if (!entry) throw new FormatError(`npz: no array "${key}" (has: ${keys.join(', ') || 'none'})`);
      return parseNpy(entryBytes(view, bytes, entry), entry.name);
    },
  };
}
