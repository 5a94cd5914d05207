/** Python semantics of operators, subscripts, truthiness, equality and str()/repr() over `PyValue`. */
import { compareCodePoints, pyFloatRepr } from '../canonical-json.js';
import { type CallContext, PyCallable, PyError, PyFloat, PyModule, PyTuple, type PyValue, pyTypeName } from '../value.js';
import type { BinOp } from './ast.js';

/** Sequences longer than this are refused (protects memory from `[0] * 10**9`). */
export const MAX_SEQUENCE = 1_000_000;

export class PySlice {
  constructor(
    readonly lower: PyValue,
    readonly upper: PyValue,
    readonly step: PyValue,
  ) {}
}

type Num = { float: boolean; n: number };

/** Numeric view of int / float / bool (bool is an int subclass in Python). */
export function asNumber(v: PyValue): Num | null {
  if (typeof v === 'number') return { float: false, n: v };
  if (typeof v === 'boolean') return { float: false, n: v ? 1 : 0 };
  if (v instanceof PyFloat) return { float: true, n: v.value };
  return null;
}

export function checkedInt(n: number): number {
  if (!Number.isSafeInteger(n)) throw new PyError('OverflowError', 'integer result outside ±2^53 is not supported');
  return n === 0 ? 0 : n;
}

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (v instanceof PyFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v instanceof PyTuple) return v.items.length > 0;
  return true;
}

export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (a === b) return true;
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null || y !== null) return x !== null && y !== null && x.n === y.n;
  if (Array.isArray(a) && Array.isArray(b)) return seqEquals(a, b);
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEquals(a.items, b.items);
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !pyEquals(v, b.get(k) as PyValue)) return false;
    }
    return true;
  }
  return false;
}

function seqEquals(a: readonly PyValue[], b: readonly PyValue[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!pyEquals(a[i] as PyValue, b[i] as PyValue)) return false;
  return true;
}

/** Three-way order for `<` and friends; TypeError where Python has none. */
export function pyCompare(a: PyValue, b: PyValue, op: string): number {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return x.n < y.n ? -1 : x.n > y.n ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  const seqA = Array.isArray(a) ? a : a instanceof PyTuple ? a.items : null;
  const seqB = Array.isArray(b) ? b : b instanceof PyTuple ? b.items : null;
  if (seqA !== null && seqB !== null && Array.isArray(a) === Array.isArray(b)) {
    const n = Math.min(seqA.length, seqB.length);
    for (let i = 0; i < n; i++) {
      if (!pyEquals(seqA[i] as PyValue, seqB[i] as PyValue)) return pyCompare(seqA[i] as PyValue, seqB[i] as PyValue, op);
    }
    return seqA.length - seqB.length;
  }
  throw new PyError('TypeError', `'${op}' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

export function pyContains(container: PyValue, item: PyValue): boolean {
  if (Array.isArray(container)) return container.some((x) => pyEquals(x, item));
  if (container instanceof PyTuple) return container.items.some((x) => pyEquals(x, item));
  if (container instanceof Map) {
    if (Array.isArray(container) || item instanceof Map || Array.isArray(item)) throw new PyError('TypeError', `unhashable type: '${pyTypeName(item)}'`);
    return typeof item === 'string' && container.has(item);
  }
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(item)}`);
    return container.includes(item);
  }
  throw new PyError('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

function repeat<T>(items: readonly T[], times: number, ctx: CallContext): T[] {
  const count = Math.max(0, times);
  const size = items.length * count;
  if (size > MAX_SEQUENCE) throw new PyError('MemoryError', `a sequence of ${size} items is larger than the allowed ${MAX_SEQUENCE}`);
  ctx.charge(size);
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(...items);
  return out;
}

export function binaryOp(op: BinOp, a: PyValue, b: PyValue, ctx: CallContext): PyValue {
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== null && y !== null) return numericOp(op, x, y);
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        if (a.length + b.length > MAX_SEQUENCE * 10) throw new PyError('MemoryError', 'string too long');
        ctx.charge((a.length + b.length) / 64);
        return a + b;
      }
      if (Array.isArray(a) && Array.isArray(b)) {
        if (a.length + b.length > MAX_SEQUENCE) throw new PyError('MemoryError', 'list too long');
        ctx.charge(a.length + b.length);
        return [...a, ...b];
      }
      if (a instanceof PyTuple && b instanceof PyTuple) {
        ctx.charge(a.items.length + b.items.length);
        return new PyTuple([...a.items, ...b.items]);
      }
      break;
    case '*': {
      const [seq, n] = y !== null && !y.float ? [a, y.n] : x !== null && !x.float ? [b, x.n] : [null, 0];
      if (typeof seq === 'string') {
        if (seq.length * Math.max(0, n) > MAX_SEQUENCE * 10) throw new PyError('MemoryError', 'string too long');
        ctx.charge((seq.length * Math.max(0, n)) / 64);
        return seq.repeat(Math.max(0, n));
      }
      if (Array.isArray(seq)) return repeat(seq, n, ctx);
      if (seq instanceof PyTuple) return new PyTuple(repeat(seq.items, n, ctx));
      break;
    }
    case '%':
      if (typeof a === 'string') throw new PyError('TypeError', "string formatting with '%' is outside the supported subset");
      break;
  }
  throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

function numericOp(op: BinOp, x: Num, y: Num): PyValue {
  const isFloat = x.float || y.float;
  const a = x.n;
  const b = y.n;
  switch (op) {
    case '+':
      return isFloat ? new PyFloat(a + b) : checkedInt(a + b);
    case '-':
      return isFloat ? new PyFloat(a - b) : checkedInt(a - b);
    case '*':
      return isFloat ? new PyFloat(a * b) : checkedInt(a * b);
    case '/':
      if (b === 0) throw new PyError('ZeroDivisionError', 'division by zero');
      return new PyFloat(a / b);
    case '//':
      if (b === 0) throw new PyError('ZeroDivisionError', isFloat ? 'float floor division by zero' : 'integer division or modulo by zero');
      if (isFloat) return new PyFloat(Math.floor(a / b));
      return checkedInt(floorDivInt(a, b));
    case '%': {
      if (b === 0) throw new PyError('ZeroDivisionError', isFloat ? 'float modulo' : 'integer division or modulo by zero');
      let r = a % b;
      if (r !== 0 && r < 0 !== b < 0) r += b;
      return isFloat ? new PyFloat(r) : checkedInt(r);
    }
    case '**': {
      if (!isFloat && b >= 0) {
        // Refused from the operands' sizes before any BigInt is built: 9**(3*10**7) would otherwise allocate
        // and multiply a 95-million-bit integer on the event loop only to be refused afterwards.
        if (Math.abs(a) > 1 && b * Math.log2(Math.abs(a)) > 54) {
          throw new PyError('OverflowError', 'integer result outside ±2^53 is not supported');
        }
        const big = BigInt(a) ** BigInt(b);
        if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < -BigInt(Number.MAX_SAFE_INTEGER)) {
          throw new PyError('OverflowError', 'integer result outside ±2^53 is not supported');
        }
        return Number(big);
      }
      if (a === 0 && b < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (a < 0 && !Number.isInteger(b)) throw new PyError('ValueError', 'a negative number raised to a fractional power is complex');
      const r = Math.pow(a, b);
      if (!Number.isFinite(r)) throw new PyError('OverflowError', 'numerical result out of range');
      return new PyFloat(r);
    }
  }
}

function floorDivInt(a: number, b: number): number {
  const q = BigInt(a) / BigInt(b);
  const r = BigInt(a) % BigInt(b);
  return Number(r !== 0n && r < 0n !== b < 0 ? q - 1n : q);
}

export function unaryMinus(v: PyValue): PyValue {
  const x = asNumber(v);
  if (x === null) throw new PyError('TypeError', `bad operand type for unary -: '${pyTypeName(v)}'`);
  return x.float ? new PyFloat(-x.n) : checkedInt(-x.n);
}

export function unaryPlus(v: PyValue): PyValue {
  const x = asNumber(v);
  if (x === null) throw new PyError('TypeError', `bad operand type for unary +: '${pyTypeName(v)}'`);
  return x.float ? new PyFloat(x.n) : x.n;
}

function toIndex(v: PyValue, what: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PyError('TypeError', `${what} indices must be integers or slices, not ${pyTypeName(v)}`);
}

/** Python's slice.indices(len). */
function sliceIndices(s: PySlice, len: number): [number, number, number] {
  const step = s.step === null ? 1 : toIndex(s.step, 'slice');
  if (step === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  const clamp = (v: PyValue, dflt: number, lowBound: number, highBound: number): number => {
    if (v === null) return dflt;
    let i = toIndex(v, 'slice');
    if (i < 0) i += len;
    return Math.min(Math.max(i, lowBound), highBound);
  };
  if (step > 0) return [clamp(s.lower, 0, 0, len), clamp(s.upper, len, 0, len), step];
  return [clamp(s.lower, len - 1, -1, len - 1), clamp(s.upper, -1, -1, len - 1), step];
}

function sliceSeq<T>(items: readonly T[], s: PySlice): T[] {
  const [start, stop, step] = sliceIndices(s, items.length);
  const out: T[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(items[i] as T);
  else for (let i = start; i > stop; i += step) out.push(items[i] as T);
  return out;
}

export function getItem(obj: PyValue, index: PyValue | PySlice): PyValue {
  if (obj instanceof Map) {
    if (index instanceof PySlice) throw new PyError('TypeError', "unhashable type: 'slice'");
    if (typeof index === 'string' && obj.has(index)) return obj.get(index) as PyValue;
    if (Array.isArray(index) || index instanceof Map) throw new PyError('TypeError', `unhashable type: '${pyTypeName(index)}'`);
    throw new PyError('KeyError', pyRepr(index));
  }
  if (Array.isArray(obj) || obj instanceof PyTuple || typeof obj === 'string') {
    const items: readonly PyValue[] = Array.isArray(obj) ? obj : obj instanceof PyTuple ? obj.items : Array.from(obj);
    const kind = Array.isArray(obj) ? 'list' : obj instanceof PyTuple ? 'tuple' : 'string';
    if (index instanceof PySlice) {
      const sliced = sliceSeq(items, index);
      return Array.isArray(obj) ? sliced : obj instanceof PyTuple ? new PyTuple(sliced) : sliced.join('');
    }
    let i = toIndex(index, kind);
    if (i < 0) i += items.length;
    if (i < 0 || i >= items.length) throw new PyError('IndexError', `${kind} index out of range`);
    return items[i] as PyValue;
  }
  throw new PyError('TypeError', `'${pyTypeName(obj)}' object is not subscriptable`);
}

export function setItem(obj: PyValue, index: PyValue, value: PyValue): void {
  if (obj instanceof Map) {
    if (typeof index !== 'string') {
      throw new PyError('TypeError', `configuration mappings take string keys only, not ${pyTypeName(index)}`);
    }
    obj.set(index, value);
    return;
  }
  if (Array.isArray(obj)) {
    let i = toIndex(index, 'list');
    if (i < 0) i += obj.length;
    if (i < 0 || i >= obj.length) throw new PyError('IndexError', 'list assignment index out of range');
    obj[i] = value;
    return;
  }
  throw new PyError('TypeError', `'${pyTypeName(obj)}' object does not support item assignment`);
}

/** Python's repr() for strings: single quotes unless the text holds a single quote and no double quote. */
export function reprString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}

export function pyRepr(v: PyValue): string {
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (v instanceof PyTuple) return v.items.length === 1 ? `(${pyRepr(v.items[0] as PyValue)},)` : `(${v.items.map(pyRepr).join(', ')})`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return pyStr(v);
}

export function pyStr(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  if (v instanceof PyFloat) return pyFloatRepr(v.value);
  if (v instanceof PyModule) return `<module '${v.name}'>`;
  if (v instanceof PyCallable) return `<function ${v.name}>`;
  return pyRepr(v);
}

/** Items of an iterable value (list, tuple, str, dict keys). */
export function iterate(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof PyTuple) return [...v.items];
  if (typeof v === 'string') return Array.from(v);
  if (v instanceof Map) return [...v.keys()];
  throw new PyError('TypeError', `'${pyTypeName(v)}' object is not iterable`);
}
