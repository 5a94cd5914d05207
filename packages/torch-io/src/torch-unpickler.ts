import { TorchIoError } from './errors.js';

/**
 * A restricted pickle VM for the pickles `torch.save` writes (protocols 2–5). It EXECUTES NOTHING: a global
 * resolves only to a name on the allowlist below, whose REDUCE/NEWOBJ/BUILD steps are interpreted here;
 * any other global (`os.system`, `builtins.eval`, …) is refused at its GLOBAL opcode with its name and byte
 * offset. Tensors become `TensorRecord`s pointing at storages named by BINPERSID; no bytes are read here.
 */

export type TorchDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

export const DTYPE_BYTES: Readonly<Record<TorchDtype, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
};

const STORAGE_TYPES: Readonly<Record<string, TorchDtype>> = {
  'torch.FloatStorage': 'float32',
  'torch.DoubleStorage': 'float64',
  'torch.HalfStorage': 'float16',
  'torch.BFloat16Storage': 'bfloat16',
  'torch.LongStorage': 'int64',
  'torch.IntStorage': 'int32',
  'torch.ByteStorage': 'uint8',
  'torch.BoolStorage': 'bool',
};

const CALLABLES = new Set([
  'collections.OrderedDict',
  'torch._utils._rebuild_tensor_v2',
  'torch._utils._rebuild_parameter',
  // Python 3 pickles `bytes` at protocol 2 as _codecs.encode(latin-1 text, 'latin1').
  '_codecs.encode',
]);

export interface StorageRef {
  kind: 'storage';
  key: string;
  dtype: TorchDtype;
  location: string;
  /** Element count the pickle declares. */
  numel: number;
}

export interface TensorRecord {
  kind: 'tensor';
  dtype: TorchDtype;
  shape: number[];
  stride: number[];
  /** Storage offset in elements. */
  offset: number;
  storage: StorageRef;
  requiresGrad: boolean;
}

export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}
/** A dict or OrderedDict; keys keep their Python values (str, int, …), insertion order is kept. */
export interface PyDict {
  kind: 'dict';
  entries: Map<PyValue, PyValue>;
  /** Instance attributes set by BUILD (a module state dict's `_metadata`). */
  attributes?: PyValue;
}
interface GlobalRef {
  kind: 'global';
  name: string;
}
interface StorageType {
  kind: 'storage-type';
  name: string;
  dtype: TorchDtype;
}

export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | TensorRecord | StorageRef | GlobalRef | StorageType;

const PY2_MODULES: Readonly<Record<string, string>> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

export interface UnpickleOptions {
  /** Named in errors: the zip entry or legacy section. */
  entry: string;
  /** Added to byte offsets in errors (the pickle's position in the file, legacy format). */
  baseOffset?: number;
  /** Storages by key, shared across the pickles of one file so one key is one storage. */
  storages?: Map<string, StorageRef>;
}

export interface UnpickleResult {
  value: PyValue;
  /** Bytes consumed, STOP included. */
  end: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

function kindOf(v: unknown): string {
  if (v === null) return 'None';
  if (v === MARK) return 'mark';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as { kind: string }).kind;
  return typeof v;
}

export function isTensor(v: unknown): v is TensorRecord {
  return typeof v === 'object' && v !== null && (v as TensorRecord).kind === 'tensor';
}
export function isDict(v: unknown): v is PyDict {
  return typeof v === 'object' && v !== null && (v as PyDict).kind === 'dict';
}

export function unpickle(bytes: Uint8Array, options: UnpickleOptions): UnpickleResult {
  const { entry } = options;
  const base = options.baseOffset ?? 0;
  const storages = options.storages ?? new Map<string, StorageRef>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let stack: Slot[] = [];
  const marks: Slot[][] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let opAt = 0;

  const fail = (message: string, at = opAt): TorchIoError => new TorchIoError('DGM_TORCH_IO_PICKLE_INVALID', `pickle: ${message}`, { entry, offset: base + at });
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) {
      throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', `pickle: truncated (needs ${n} more bytes)`, { entry, offset: base + pos });
    }
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    pos += 2;
    return view.getUint16(pos - 2, true);
  };
  const u32 = (): number => {
    need(4);
    pos += 4;
    return view.getUint32(pos - 4, true);
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    if (v > BigInt(bytes.length)) throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', `pickle: length ${v} runs past the data`, { entry, offset: base + pos });
    pos += 8;
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const text = (n: number): string => {
    const raw = take(n);
    try {
      return utf8.decode(raw);
    } catch {
      throw fail('invalid UTF-8 in a string');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new TorchIoError('DGM_TORCH_IO_TRUNCATED', 'pickle: unterminated text argument', { entry, offset: base + pos });
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined) throw fail('stack underflow');
    if (v === MARK) throw fail('unexpected mark');
    return v;
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined) throw fail('stack underflow');
    if (v === MARK) throw fail('unexpected mark');
    return v;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const prev = marks.pop();
    if (!prev) throw fail('no mark to pop to');
    stack = prev;
    if (items.includes(MARK)) throw fail('unexpected mark');
    return items as PyValue[];
  };
  const resolveGlobal = (module: string, name: string): PyValue => {
    // Protocol-2 pickles written by Python 3 use the Python 2 module names; name both in errors.
    const full = `${PY2_MODULES[module] ?? module}.${name}`;
    const dtype = STORAGE_TYPES[full];
    if (dtype) return { kind: 'storage-type', name: full, dtype };
    if (CALLABLES.has(full)) return { kind: 'global', name: full };
    const written = full === `${module}.${name}` ? '' : ` (written ${module}.${name})`;
    throw new TorchIoError('DGM_TORCH_IO_GLOBAL_REFUSED', `pickle: refusing global ${full}${written} (only torch tensor, storage and OrderedDict globals are allowed; nothing was executed)`, { entry, offset: base + opAt });
  };
  const int = (v: PyValue, what: string): number => {
    if (typeof v === 'bigint' && v >= 0n && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw fail(`${what} must be a non-negative integer, got ${kindOf(v)} ${String(v)}`);
    return v;
  };
  const ints = (v: PyValue, what: string): number[] => {
    if (!(typeof v === 'object' && v !== null && (v as PyTuple).kind === 'tuple')) throw fail(`${what} must be a tuple, got ${kindOf(v)}`);
    return (v as PyTuple).items.map((x) => int(x, what));
  };
  const call = (fn: PyValue, args: PyValue): PyValue => {
    if (!(typeof fn === 'object' && fn !== null && (fn as GlobalRef).kind === 'global')) throw fail(`cannot call a ${kindOf(fn)}`);
    if (!(typeof args === 'object' && args !== null && (args as PyTuple).kind === 'tuple')) throw fail(`call arguments must be a tuple, got ${kindOf(args)}`);
    const a = (args as PyTuple).items;
    const name = (fn as GlobalRef).name;
    switch (name) {
      case 'collections.OrderedDict':
        if (a.length !== 0) throw fail('OrderedDict with arguments is not supported');
        return { kind: 'dict', entries: new Map() };
      case 'torch._utils._rebuild_tensor_v2': {
        if (a.length < 4) throw fail(`_rebuild_tensor_v2 needs at least 4 arguments, got ${a.length}`);
        const storage = a[0];
        if (kindOf(storage) !== 'storage') throw fail(`_rebuild_tensor_v2: first argument must be a storage, got ${kindOf(storage)}`);
        const s = storage as StorageRef;
        const shape = ints(a[2]!, 'tensor size');
        const stride = ints(a[3]!, 'tensor stride');
        if (shape.length !== stride.length) throw fail(`tensor size ${shape.length}-d but stride ${stride.length}-d`);
        const offset = int(a[1]!, 'storage offset');
        // The highest element index the view touches must lie inside the storage.
        const numel = shape.reduce((p, d) => p * d, 1);
        if (numel > 0) {
          const last = offset + shape.reduce((acc, d, i) => acc + (d - 1) * stride[i]!, 0);
          if (last >= s.numel) {
            throw new TorchIoError('DGM_TORCH_IO_TENSOR_INVALID', `tensor view reaches element ${last} of storage ${s.key} which has ${s.numel}`, { entry, offset: base + opAt });
          }
        }
        return { kind: 'tensor', dtype: s.dtype, shape, stride, offset, storage: s, requiresGrad: a[4] === true };
      }
      case 'torch._utils._rebuild_parameter': {
        const t = a[0];
        if (!isTensor(t)) throw fail(`_rebuild_parameter: first argument must be a tensor, got ${kindOf(t)}`);
        return { ...t, requiresGrad: a[1] === true };
      }
      case '_codecs.encode': {
        if (typeof a[0] !== 'string') throw fail('_codecs.encode needs a string');
        const s = a[0];
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
        return out;
      }
      default:
        throw fail(`cannot call ${name}`);
    }
  };
  const persistentLoad = (pid: PyValue): PyValue => {
    const items = typeof pid === 'object' && pid !== null && (pid as PyTuple).kind === 'tuple' ? (pid as PyTuple).items : undefined;
    if (!items || items[0] !== 'storage' || items.length < 5) throw fail(`persistent id must be ('storage', type, key, location, numel), got ${kindOf(pid)}`);
    const [, type, key, location, numel] = items;
    if (kindOf(type) !== 'storage-type') throw fail(`persistent id storage type is a ${kindOf(type)}`);
    if (typeof key !== 'string' || typeof location !== 'string') throw fail('persistent id key and location must be strings');
    const dtype = (type as StorageType).dtype;
    const known = storages.get(key);
    if (known) {
      if (known.dtype !== dtype) throw fail(`storage ${key} is used as ${known.dtype} and ${dtype}`);
      return known;
    }
    const ref: StorageRef = { kind: 'storage', key, dtype, location, numel: int(numel!, 'storage size') };
    storages.set(key, ref);
    return ref;
  };
  const setItems = (target: PyValue, kv: PyValue[]): void => {
    if (!isDict(target)) throw fail(`SETITEM(S) on a ${kindOf(target)}`);
    if (kv.length % 2 !== 0) throw fail('SETITEMS with an odd number of items');
    for (let i = 0; i < kv.length; i += 2) target.entries.set(kv[i]!, kv[i + 1]!);
  };
  const append = (target: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(target)) throw fail(`APPEND(S) on a ${kindOf(target)}`);
    target.push(...items);
  };

  while (true) {
    opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) throw fail('pickle protocol above 5');
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length !== 0) throw fail(`STOP with ${stack.length} items on the stack`);
        return { value: pop(), end: pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({ kind: 'dict', entries: new Map() });
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: 'tuple', items: [] });
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()).slice());
        break;
      case 0x4a: // BININT
        need(4);
        pos += 4;
        stack.push(view.getInt32(pos - 4, true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
      case 0x8b: {
        // LONG4
        const n = op === 0x8a ? u8() : u32();
        const b = take(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
        if (n > 0 && b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        pos += 8;
        stack.push(view.getFloat64(pos - 8, false));
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x85: // TUPLE1
        stack.push({ kind: 'tuple', items: [pop()] });
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push({ kind: 'tuple', items: [pop(), b] });
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push({ kind: 'tuple', items: [pop(), b, c] });
        break;
      }
      case 0x74: {
        // TUPLE (popMark swaps `stack`, so pop before naming stack.push)
        const items = popMark();
        stack.push({ kind: 'tuple', items });
        break;
      }
      case 0x6c: {
        // LIST
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x64: {
        // DICT
        const d: PyDict = { kind: 'dict', entries: new Map() };
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const i = op === 0x68 ? u8() : u32();
        if (!memo.has(i)) throw fail(`memo key ${i} is not set`);
        stack.push(memo.get(i)!);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only OrderedDict is a class we build
        const args = pop();
        const cls = pop();
        if (kindOf(cls) !== 'global' || (cls as GlobalRef).name !== 'collections.OrderedDict') throw fail(`NEWOBJ of ${kindOf(cls)} is not supported`);
        stack.push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: only a dict's instance attributes (OrderedDict._metadata); tensors have no state in these pickles
        const state = pop();
        const target = top();
        if (!isDict(target)) throw fail(`BUILD on a ${kindOf(target)} is not supported`);
        target.attributes = state;
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistentLoad(pop()));
        break;
      default:
        throw fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
