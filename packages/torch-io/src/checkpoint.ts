import { open, type FileHandle } from 'node:fs/promises';
import { TorchIoError } from './errors.js';
import { gatherRowMajor, storageSpan, toTypedArray, type TensorValues } from './tensor-values.js';
import { DTYPE_BYTES, isDict, isTensor, unpickle, type PyValue, type StorageRef, type TensorRecord } from './torch-unpickler.js';
import { readAt, ZipReader } from './zip-reader.js';

/**
 * Opens a `torch.save` file of either format without Python: the zip format (torch ≥ 1.6) and the legacy
 * format (`_use_new_zipfile_serialization=False`). Tensors come back by dotted name (nested dicts joined
 * with '.'), other entries as JSON-ish values; tensor bytes are read only when asked for.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface NamedTensor extends TensorRecord {
  name: string;
}

export interface TorchCheckpoint {
  format: 'zip' | 'legacy';
  /** In pickle order. */
  tensors: Map<string, NamedTensor>;
  /** Non-tensor entries by dotted name (leaves: numbers, strings, lists, …). */
  values: Map<string, JsonValue>;
  /** Row-major little-endian element bytes of a tensor (bool: one byte each); views resolved. */
  readBytes(t: TensorRecord): Promise<Uint8Array>;
  /** Values as a typed array: float16/bfloat16 → Float32Array, int64 → BigInt64Array. */
  read(t: TensorRecord): Promise<TensorValues>;
  close(): Promise<void>;
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
const MAX_DEPTH = 64;
// Memo references can make a small pickle a huge tree (shared sublists); stop walking it past this many nodes.
const MAX_NODES = 1_000_000;

/** Where each storage's bytes start in the file and how many it has. */
interface StorageLocator {
  read(storage: StorageRef, firstElement: number, count: number): Promise<Uint8Array>;
}

export async function loadCheckpoint(path: string): Promise<TorchCheckpoint> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new TorchIoError('DGM_TORCH_IO_UNREADABLE', `cannot open ${path}: ${(e as Error).message}`);
  }
  let head: Uint8Array;
  let fileSize: number;
  try {
    fileSize = (await handle.stat()).size;
    head = await readAt(handle, 0, Math.min(4, fileSize), fileSize);
  } catch (e) {
    await handle.close();
    throw e;
  }
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    await handle.close();
    return loadZip(path);
  }
  if (head[0] === 0x80) return loadLegacy(handle, fileSize);
  await handle.close();
  throw new TorchIoError('DGM_TORCH_IO_UNKNOWN_FORMAT', `${path} is neither a torch zip checkpoint nor a legacy torch pickle`, { offset: 0 });
}

async function loadZip(path: string): Promise<TorchCheckpoint> {
  const zip = await ZipReader.open(path);
  try {
    const pkl = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (pkl.length !== 1) throw new TorchIoError('DGM_TORCH_IO_ZIP_INVALID', `zip: expected one <archive>/data.pkl entry, found ${pkl.length}`);
    const archive = pkl[0]!.slice(0, -'/data.pkl'.length);
    const byteorder = zip.entries.get(`${archive}/byteorder`);
    if (byteorder) {
      const order = new TextDecoder().decode(await zip.read(byteorder.name)).trim();
      if (order !== 'little') throw new TorchIoError('DGM_TORCH_IO_ZIP_UNSUPPORTED', `byte order ${order} is not supported`, { entry: byteorder.name });
    }
    const storages = new Map<string, StorageRef>();
    const { value } = unpickle(await zip.read(pkl[0]!), { entry: pkl[0]!, storages });
    for (const s of storages.values()) {
      const name = `${archive}/data/${s.key}`;
      const entry = zip.entries.get(name);
      if (!entry) throw new TorchIoError('DGM_TORCH_IO_ZIP_INVALID', `zip: storage ${s.key} has no entry`, { entry: name });
      if (entry.size < s.numel * DTYPE_BYTES[s.dtype]) {
        throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', `storage of ${s.numel} ${s.dtype} needs ${s.numel * DTYPE_BYTES[s.dtype]} bytes but the entry has ${entry.size}`, { entry: name });
      }
    }
    const locator: StorageLocator = {
      async read(s, first, count) {
        const name = `${archive}/data/${s.key}`;
        const size = DTYPE_BYTES[s.dtype];
        // Whole storages are read whole so their CRC is checked; a view of a huge storage reads its span only.
        const entrySize = zip.entries.get(name)!.size;
        if (first === 0 && count * size === entrySize) return zip.read(name);
        return zip.read(name, first * size, count * size);
      },
    };
    return assemble('zip', value, locator, () => zip.close());
  } catch (e) {
    await zip.close();
    throw e;
  }
}

async function loadLegacy(handle: FileHandle, fileSize: number): Promise<TorchCheckpoint> {
  try {
    const storages = new Map<string, StorageRef>();
    let pos = 0;
    // Pickles have no length prefix: read a window and grow it while the pickle runs past its end.
    const nextPickle = async (section: string): Promise<PyValue> => {
      for (let window = 1 << 16; ; window *= 4) {
        const len = Math.min(window, fileSize - pos);
        const bytes = await readAt(handle, pos, len, fileSize, section);
        try {
          const { value, end } = unpickle(bytes, { entry: section, baseOffset: pos, storages });
          pos += end;
          return value;
        } catch (e) {
          if (e instanceof TorchIoError && e.code === 'DGM_TORCH_IO_TRUNCATED' && pos + len < fileSize) continue;
          throw e;
        }
      }
    };
    const magic = await nextPickle('magic number');
    if (magic !== Number(LEGACY_MAGIC) && magic !== LEGACY_MAGIC) {
      throw new TorchIoError('DGM_TORCH_IO_UNKNOWN_FORMAT', 'legacy torch file: wrong magic number (not a torch.save file)', { entry: 'magic number', offset: 0 });
    }
    const protocol = await nextPickle('protocol version');
    if (protocol !== LEGACY_PROTOCOL) throw new TorchIoError('DGM_TORCH_IO_UNKNOWN_FORMAT', `legacy torch file: protocol version ${String(protocol)}, expected ${LEGACY_PROTOCOL}`, { entry: 'protocol version' });
    const sysInfo = await nextPickle('sys_info');
    if (isDict(sysInfo) && sysInfo.entries.get('little_endian') === false) {
      throw new TorchIoError('DGM_TORCH_IO_ZIP_UNSUPPORTED', 'big-endian legacy checkpoints are not supported', { entry: 'sys_info' });
    }
    const main = await nextPickle('main pickle');
    const keysAt = pos;
    const keys = await nextPickle('storage keys');
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) {
      throw new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', 'legacy torch file: storage keys must be a list of strings', { entry: 'storage keys', offset: keysAt });
    }
    // Per key: little-endian u64 element count, then the raw elements.
    const dataAt = new Map<string, number>();
    for (const key of keys as string[]) {
      const s = storages.get(key);
      if (!s) throw new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `legacy torch file: storage ${key} is listed but no tensor uses it`, { entry: 'storage keys', offset: keysAt });
      const head = await readAt(handle, pos, 8, fileSize, `storage ${key}`);
      const count = new DataView(head.buffer).getBigUint64(0, true);
      if (count !== BigInt(s.numel)) {
        throw new TorchIoError('DGM_TORCH_IO_TENSOR_INVALID', `storage ${key}: the file says ${count} elements, the pickle ${s.numel}`, { entry: `storage ${key}`, offset: pos });
      }
      const bytes = s.numel * DTYPE_BYTES[s.dtype];
      if (pos + 8 + bytes > fileSize) throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', `storage ${key}: ${bytes} bytes run past the end of the file`, { entry: `storage ${key}`, offset: pos + 8 });
      dataAt.set(key, pos + 8);
      pos += 8 + bytes;
    }
    for (const key of storages.keys()) {
      if (!dataAt.has(key)) throw new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `legacy torch file: storage ${key} is not in the storage key list`, { entry: 'storage keys', offset: keysAt });
    }
    const locator: StorageLocator = {
      read(s, first, count) {
        const size = DTYPE_BYTES[s.dtype];
        return readAt(handle, dataAt.get(s.key)! + first * size, count * size, fileSize, `storage ${s.key}`);
      },
    };
    return assemble('legacy', main, locator, () => handle.close());
  } catch (e) {
    await handle.close();
    throw e;
  }
}

function assemble(format: 'zip' | 'legacy', root: PyValue, locator: StorageLocator, close: () => Promise<void>): TorchCheckpoint {
  const tensors = new Map<string, NamedTensor>();
  const values = new Map<string, JsonValue>();
  const budget = { nodes: 0 };
  const walk = (prefix: string, v: PyValue, depth: number): void => {
    if (depth > MAX_DEPTH) throw new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `checkpoint nests deeper than ${MAX_DEPTH} levels at ${prefix}`);
    if (++budget.nodes > MAX_NODES) throw tooBig(prefix);
    if (isTensor(v)) tensors.set(prefix, { ...v, name: prefix });
    else if (isDict(v)) for (const [k, x] of v.entries) walk(prefix ? `${prefix}.${keyText(k)}` : keyText(k), x, depth + 1);
    else values.set(prefix, toJson(v, prefix, depth, budget));
  };
  walk('', root, 0);
  const readBytes = async (t: TensorRecord): Promise<Uint8Array> => {
    const { first, count } = storageSpan(t);
    const bytes = count === 0 ? new Uint8Array(0) : await locator.read(t.storage, first, count);
    return gatherRowMajor(t, bytes, first);
  };
  return {
    format,
    tensors,
    values,
    readBytes,
    read: async (t) => toTypedArray(t.dtype, await readBytes(t)),
    close,
  };
}

function keyText(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null) return String(k);
  throw new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `dict key of unsupported kind ${Array.isArray(k) ? 'list' : typeof k}`);
}

/** JSON-ish view of a non-tensor value: big ints as decimal strings, bytes as {bytes: n}, tensors inside lists by shape. */
function tooBig(where: string): TorchIoError {
  return new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `checkpoint has more than ${MAX_NODES} values (at ${where || '<root>'})`);
}

function toJson(v: PyValue, where: string, depth: number, budget: { nodes: number }): JsonValue {
  if (depth > MAX_DEPTH) throw new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `checkpoint nests deeper than ${MAX_DEPTH} levels at ${where}`);
  if (++budget.nodes > MAX_NODES) throw tooBig(where);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return { bytes: v.length };
  if (Array.isArray(v)) return v.map((x) => toJson(x, where, depth + 1, budget));
  switch (v.kind) {
    case 'tuple':
      return v.items.map((x) => toJson(x, where, depth + 1, budget));
    case 'dict': {
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of v.entries) out[keyText(k)] = toJson(x, where, depth + 1, budget);
      return out;
    }
    case 'tensor':
      return { tensor: v.dtype, shape: v.shape };
    case 'storage':
      return { storage: v.key, dtype: v.dtype };
    default:
      return { global: v.name };
  }
}
