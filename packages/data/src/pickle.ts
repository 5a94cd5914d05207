import { FormatError } from './errors.js';

/**
 * A restricted unpickler for the layout of the CIFAR "python version" files: a protocol-2 pickle (written
 * by Python 2's cPickle) of a dict with str/bytes keys whose values are byte strings, lists of ints and one
 * NumPy array built through the `numpy.core.multiarray._reconstruct` reduce pattern.
 *
 * It executes nothing. It knows a fixed set of opcodes, and the only "globals" it accepts are the three
 * NumPy names of that pattern (plus `_codecs.encode`, which Python 3 uses to pickle bytes at protocol 2);
 * their REDUCE/BUILD steps are interpreted here, never called. Any other global, opcode or structure is a
 * FormatError. Opcodes of protocols 3–4 that plain data uses are accepted too (bytes, framing, memoize).
 */

export type PyValue = null | boolean | number | string | Uint8Array | PyList | PyTuple | PyDict | NdArray | DType;

export interface PyList {
  kind: 'list';
  items: PyValue[];
}
export interface PyTuple {
  kind: 'tuple';
  items: PyValue[];
}
/** A dict; bytes keys are decoded as latin-1 (as `pickle.load(..., encoding='latin1')` does). */
export interface PyDict {
  kind: 'dict';
  entries: Map<string, PyValue>;
}
export interface DType {
  kind: 'dtype';
  /** NumPy type string without byte order, e.g. `u1`, `i8`, `f4`. */
  code: string;
  byteOrder: '<' | '>' | '|' | '=';
}
export interface NdArray {
  kind: 'ndarray';
  shape: number[];
  dtype: DType | undefined;
  fortranOrder: boolean;
  /** Raw element bytes (C or Fortran order per `fortranOrder`). */
  data: Uint8Array | undefined;
}

interface GlobalRef {
  kind: 'global';
  name: string;
}

type StackItem = PyValue | GlobalRef;

const ALLOWED_GLOBALS = new Set([
  'numpy.core.multiarray._reconstruct',
  'numpy._core.multiarray._reconstruct', // NumPy ≥ 2 writes this module name
  'numpy.ndarray',
  'numpy.dtype',
  '_codecs.encode',
]);

const MARK = Symbol('mark');

function isGlobal(v: unknown): v is GlobalRef {
  return typeof v === 'object' && v !== null && (v as GlobalRef).kind === 'global';
}

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object' && 'kind' in (v as object)) return (v as { kind: string }).kind;
  return typeof v;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Unpickles `bytes` under the restrictions above. */
export function restrictedUnpickle(bytes: Uint8Array): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: (StackItem | typeof MARK)[] = [];
  const memo = new Map<number, StackItem>();
  let pos = 0;

  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new FormatError(`pickle: truncated at byte ${pos} (needs ${n} more bytes)`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError('pickle: 8-byte length too large');
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new FormatError(`pickle: unterminated text argument at byte ${pos}`);
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): StackItem => {
    const v = stack.pop();
    if (v === undefined || v === MARK) throw new FormatError(`pickle: stack underflow at byte ${pos}`);
    return v;
  };
  const top = (): StackItem => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) throw new FormatError(`pickle: empty stack at byte ${pos}`);
    return v;
  };
  const popMark = (): StackItem[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new FormatError(`pickle: no MARK on the stack at byte ${pos}`);
    const items = stack.splice(at) as StackItem[];
    items.shift();
    return items;
  };
  const plain = (v: StackItem, where: string): PyValue => {
    if (isGlobal(v)) throw new FormatError(`pickle: global ${v.name} used as a value in ${where}`);
    if (describe(v) === 'tuple') for (const item of (v as PyTuple).items) plain(item, where);
    return v;
  };
  const pushGlobal = (module: string, name: string): void => {
    const full = `${module}.${name}`;
    if (!ALLOWED_GLOBALS.has(full)) throw new FormatError(`pickle: refusing global ${full} (only the NumPy array pattern is allowed)`);
    stack.push({ kind: 'global', name: full });
  };
  const dictKey = (k: StackItem): string => {
    if (typeof k === 'string') return k;
    if (k instanceof Uint8Array) return latin1.decode(k);
    throw new FormatError(`pickle: dict key must be str or bytes, got ${describe(k)}`);
  };
  const setItems = (dict: StackItem, items: StackItem[]): void => {
    if (describe(dict) !== 'dict') throw new FormatError(`pickle: SETITEM(S) on ${describe(dict)}`);
    if (items.length % 2 !== 0) throw new FormatError('pickle: odd number of items for SETITEMS');
    for (let i = 0; i < items.length; i += 2) (dict as PyDict).entries.set(dictKey(items[i]!), plain(items[i + 1]!, 'a dict'));
  };
  const append = (list: StackItem, items: StackItem[]): void => {
    if (describe(list) !== 'list') throw new FormatError(`pickle: APPEND(S) on ${describe(list)}`);
    for (const item of items) (list as PyList).items.push(plain(item, 'a list'));
  };

  const reduce = (fn: StackItem, args: StackItem): PyValue => {
    if (!isGlobal(fn)) throw new FormatError(`pickle: REDUCE on ${describe(fn)}`);
    if (describe(args) !== 'tuple') throw new FormatError(`pickle: REDUCE arguments must be a tuple`);
    const a = (args as PyTuple).items;
    switch (fn.name) {
      case 'numpy.core.multiarray._reconstruct':
      case 'numpy._core.multiarray._reconstruct': {
        const cls = a[0] as StackItem | undefined;
        if (!isGlobal(cls) || cls.name !== 'numpy.ndarray') throw new FormatError('pickle: _reconstruct must build a numpy.ndarray');
        return { kind: 'ndarray', shape: [], dtype: undefined, fortranOrder: false, data: undefined };
      }
      case 'numpy.dtype': {
        const code = a[0];
        if (typeof code !== 'string' && !(code instanceof Uint8Array)) throw new FormatError('pickle: numpy.dtype needs a type string');
        const text = typeof code === 'string' ? code : latin1.decode(code);
        const m = /^([<>|=]?)([a-zA-Z]\d*)$/.exec(text);
        if (!m) throw new FormatError(`pickle: unsupported dtype ${JSON.stringify(text)}`);
        return { kind: 'dtype', code: m[2]!, byteOrder: (m[1] || '=') as DType['byteOrder'] };
      }
      case '_codecs.encode': {
        // Python 3 pickles bytes at protocol 2 as _codecs.encode(<latin-1 str>, 'latin1').
        const [text, encoding] = a;
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
          throw new FormatError('pickle: _codecs.encode is only accepted as encode(str, "latin1")');
        }
        const out = new Uint8Array(text.length);
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c > 255) throw new FormatError('pickle: non-latin-1 text in _codecs.encode');
          out[i] = c;
        }
        return out;
      }
      default:
        throw new FormatError(`pickle: REDUCE on ${fn.name}`);
    }
  };

  const build = (target: StackItem, state: StackItem): void => {
    if (describe(state) !== 'tuple') throw new FormatError('pickle: BUILD state must be a tuple');
    const s = (state as PyTuple).items;
    if (describe(target) === 'dtype') {
      // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
      const order = s[1];
      const orderText = order instanceof Uint8Array ? latin1.decode(order) : order;
      if (orderText !== '<' && orderText !== '>' && orderText !== '|' && orderText !== '=') {
        throw new FormatError(`pickle: dtype byte order ${JSON.stringify(orderText)}`);
      }
      if (s[2] !== null || s[3] !== null || s[4] !== null) throw new FormatError('pickle: structured dtypes are not supported');
      (target as DType).byteOrder = orderText;
      return;
    }
    if (describe(target) === 'ndarray') {
      // (version, shape, dtype, is_fortran, raw data)
      const [version, shape, dtype, fortran, raw] = s;
      if (version !== 1 || s.length !== 5) throw new FormatError(`pickle: ndarray state version ${String(version)} not supported`);
      if (describe(shape) !== 'tuple' || !(shape as PyTuple).items.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
        throw new FormatError('pickle: ndarray shape must be a tuple of non-negative ints');
      }
      if (describe(dtype) !== 'dtype') throw new FormatError('pickle: ndarray dtype missing');
      if (!(raw instanceof Uint8Array)) throw new FormatError(`pickle: ndarray data must be bytes (object arrays are not supported), got ${describe(raw)}`);
      const arr = target as NdArray;
      arr.shape = (shape as PyTuple).items as number[];
      arr.dtype = dtype as DType;
      arr.fortranOrder = fortran === true;
      arr.data = raw;
      return;
    }
    throw new FormatError(`pickle: BUILD on ${describe(target)}`);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        // PROTO
        const proto = u8();
        if (proto > 4) throw new FormatError(`pickle: protocol ${proto} not supported (2–4 are)`);
        break;
      }
      case 0x95: // FRAME (protocol 4): the length only helps buffered readers
        u64();
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        if (stack.length !== 0) throw new FormatError('pickle: items left on the stack at STOP');
        return plain(result, 'the result');
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push({ kind: 'dict', entries: new Map() });
        break;
      case 0x5d: // EMPTY_LIST
        stack.push({ kind: 'list', items: [] });
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push({ kind: 'tuple', items: [] });
        break;
      case 0x74: // TUPLE
        // Tuples may hold the ndarray class reference (arguments of _reconstruct); `plain` rejects
        // such a tuple if it is ever stored as data.
        stack.push({ kind: 'tuple', items: popMark() as PyValue[] });
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        if (stack.length < n) throw new FormatError(`pickle: stack underflow at byte ${at}`);
        const items: StackItem[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push({ kind: 'tuple', items: items as PyValue[] });
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: {
        // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x8a: {
        // LONG1: little-endian two's complement
        const n = u8();
        const b = take(n);
        if (n > 6) throw new FormatError('pickle: integer too large');
        let v = 0;
        for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i]!;
        if (n > 0 && b[n - 1]! >= 0x80) v -= 2 ** (8 * n);
        stack.push(v);
        break;
      }
      case 0x47: {
        // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x55: // SHORT_BINSTRING (Python 2 str)
        stack.push(take(u8()));
        break;
      case 0x54: {
        // BINSTRING (Python 2 str)
        need(4);
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) throw new FormatError('pickle: negative BINSTRING length');
        stack.push(take(n));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        stack.push(take(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
        stack.push(take(u64()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(decodeUtf8(take(u8())));
        break;
      case 0x58: // BINUNICODE
        stack.push(decodeUtf8(take(u32())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(decodeUtf8(take(u64())));
        break;
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
        const key = op === 0x68 ? u8() : u32();
        const v = memo.get(key);
        if (v === undefined) throw new FormatError(`pickle: memo key ${key} not found`);
        stack.push(v);
        break;
      }
      case 0x61: {
        // APPEND
        const item = pop();
        append(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        pushGlobal(module, name);
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new FormatError('pickle: STACK_GLOBAL needs two strings');
        pushGlobal(module, name);
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(reduce(fn, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      default:
        throw new FormatError(`pickle: opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at} is not allowed`);
    }
  }

  function decodeUtf8(b: Uint8Array): string {
    try {
      return utf8.decode(b);
    } catch {
      throw new FormatError('pickle: invalid UTF-8 in a str');
    }
  }
}

/** Bytes per element and typed-array reader for the dtypes the CIFAR layout can carry. */
const DTYPE_SIZES: Record<string, number> = { u1: 1, i1: 1, b1: 1, B: 1, b: 1, u2: 2, i2: 2, u4: 4, i4: 4, i8: 8, u8: 8, f4: 4, f8: 8 };

/** The array's elements as numbers in C (row-major) order, with byte order honoured. */
export function ndarrayValues(arr: NdArray): Uint8Array | Int8Array | Float64Array {
  if (!arr.dtype || !arr.data) throw new FormatError('pickle: ndarray was never built');
  const size = DTYPE_SIZES[arr.dtype.code];
  if (size === undefined) throw new FormatError(`pickle: dtype ${arr.dtype.code} not supported`);
  const count = arr.shape.reduce((a, b) => a * b, 1);
  if (arr.data.length !== count * size) {
    throw new FormatError(`pickle: ndarray of shape (${arr.shape.join(', ')}) needs ${count * size} bytes, has ${arr.data.length}`);
  }
  if (arr.fortranOrder && arr.shape.filter((d) => d > 1).length > 1) throw new FormatError('pickle: Fortran-ordered arrays are not supported');
  const code = arr.dtype.code;
  if (code === 'u1' || code === 'B' || code === 'b1') return arr.data;
  if (code === 'i1' || code === 'b') return new Int8Array(arr.data.buffer, arr.data.byteOffset, count);
  const little = arr.dtype.byteOrder !== '>';
  const view = new DataView(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    out[i] =
      code === 'u2' ? view.getUint16(o, little)
      : code === 'i2' ? view.getInt16(o, little)
      : code === 'u4' ? view.getUint32(o, little)
      : code === 'i4' ? view.getInt32(o, little)
      : code === 'i8' ? Number(view.getBigInt64(o, little))
      : code === 'u8' ? Number(view.getBigUint64(o, little))
      : code === 'f4' ? view.getFloat32(o, little)
      : view.getFloat64(o, little);
  }
  return out;
}
