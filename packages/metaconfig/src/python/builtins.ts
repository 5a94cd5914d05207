/** Built-in functions, types and methods available to snippets. All are pure; none touches I/O. */
import { type CallContext, PyCallable, PyError, PyFloat, PyModule, PyTuple, type PyValue, deepCopy, pyTypeName } from '../value.js';
import { MAX_SEQUENCE, PySlice, asNumber, checkedInt, getItem, iterate, pyCompare, pyContains, pyEquals, pyRepr, pyStr, truthy } from './ops.js';
import { constructFloat } from '../yaml11.js';

export type BuiltinImpl = (args: PyValue[], ctx: CallContext) => PyValue;

/**
 * A TypeScript function exposed to snippets with Python argument binding: positional arguments, keyword
 * arguments by parameter name, defaults; `varargs` collects extra positionals.
 */
export class BuiltinFunction extends PyCallable {
  constructor(
    readonly name: string,
    private readonly params: readonly string[],
    private readonly impl: BuiltinImpl,
    private readonly options: { defaults?: readonly PyValue[]; varargs?: boolean; kwargs?: boolean } = {},
  ) {
    super();
  }

  call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue {
    const { params, options } = this;
    if (options.varargs) {
      if (kwargs.size > 0 && !options.kwargs) throw new PyError('TypeError', `${this.name}() takes no keyword arguments`);
      return this.impl(options.kwargs ? [...args, kwargsDict(kwargs)] : args, ctx);
    }
    const defaults = options.defaults ?? [];
    const firstDefault = params.length - defaults.length;
    if (args.length > params.length) {
      throw new PyError('TypeError', `${this.name}() takes at most ${params.length} arguments (${args.length} given)`);
    }
    const bound: (PyValue | undefined)[] = [...args];
    for (const [k, v] of kwargs) {
      const i = params.indexOf(k);
      if (i < 0) throw new PyError('TypeError', `${this.name}() got an unexpected keyword argument '${k}'`);
      if (i < args.length) throw new PyError('TypeError', `${this.name}() got multiple values for argument '${k}'`);
      bound[i] = v;
    }
    for (let i = 0; i < params.length; i++) {
      if (bound[i] === undefined) {
        if (i < firstDefault) throw new PyError('TypeError', `${this.name}() missing required argument: '${params[i]}'`);
        bound[i] = defaults[i - firstDefault] as PyValue;
      }
    }
    return this.impl(bound as PyValue[], ctx);
  }
}

function kwargsDict(kwargs: Map<string, PyValue>): Map<string, PyValue> {
  return new Map(kwargs);
}

/** `dict`, `list`, ... are both callables and the types `isinstance` tests against. */
export class PyType extends BuiltinFunction {
  constructor(
    name: string,
    readonly test: (v: PyValue) => boolean,
    params: readonly string[],
    impl: BuiltinImpl,
    options: { defaults?: readonly PyValue[]; varargs?: boolean; kwargs?: boolean } = {},
  ) {
    super(name, params, impl, options);
  }
}

const fn = (name: string, params: readonly string[], impl: BuiltinImpl, defaults?: readonly PyValue[]) =>
  new BuiltinFunction(name, params, impl, defaults ? { defaults } : {});

function toInt(v: PyValue, base: PyValue): PyValue {
  if (typeof v === 'string') {
    const radix = base === null ? 10 : (asNumber(base)?.n ?? 10);
    const t = v.trim().replace(/_/g, '');
    const ok = radix === 10 ? /^[-+]?\d+$/.test(t) : radix === 16 ? /^[-+]?(0x)?[0-9a-f]+$/i.test(t) : radix === 8 ? /^[-+]?(0o)?[0-7]+$/i.test(t) : radix === 2 ? /^[-+]?(0b)?[01]+$/i.test(t) : false;
    if (!ok) throw new PyError('ValueError', `invalid literal for int() with base ${radix}: ${pyRepr(v)}`);
    const neg = t.startsWith('-');
    const digits = t.replace(/^[-+]/, '').replace(/^0[xob]/i, '');
    return checkedInt((neg ? -1 : 1) * parseInt(digits, radix));
  }
  const n = asNumber(v);
  if (n === null) throw new PyError('TypeError', `int() argument must be a string or a number, not '${pyTypeName(v)}'`);
  if (!Number.isFinite(n.n)) throw new PyError('OverflowError', 'cannot convert float infinity or NaN to integer');
  return checkedInt(Math.trunc(n.n));
}

function toFloat(v: PyValue): PyValue {
  if (typeof v === 'string') {
    const t = v.trim().replace(/_/g, '').toLowerCase();
    if (/^[-+]?(inf|infinity)$/.test(t)) return new PyFloat(t.startsWith('-') ? -Infinity : Infinity);
    if (/^[-+]?nan$/.test(t)) return new PyFloat(NaN);
    if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) throw new PyError('ValueError', `could not convert string to float: ${pyRepr(v)}`);
    return new PyFloat(constructFloat(t));
  }
  const n = asNumber(v);
  if (n === null) throw new PyError('TypeError', `float() argument must be a string or a number, not '${pyTypeName(v)}'`);
  return new PyFloat(n.n);
}

function pyRound(x: PyValue, nd: PyValue): PyValue {
  const n = asNumber(x);
  if (n === null) throw new PyError('TypeError', `type ${pyTypeName(x)} doesn't define __round__ method`);
  if (nd === null) {
    // Round half to even, returning an int.
    const f = Math.floor(n.n);
    const diff = n.n - f;
    const r = diff > 0.5 ? f + 1 : diff < 0.5 ? f : f % 2 === 0 ? f : f + 1;
    return checkedInt(r);
  }
  const digits = asNumber(nd);
  if (digits === null || digits.float) throw new PyError('TypeError', 'round() ndigits must be an integer');
  if (!n.float) return n.n;
  if (digits.n > 15 || !Number.isFinite(n.n)) return x;
  return new PyFloat(Number(n.n.toFixed(Math.max(0, digits.n))));
}

function minMax(which: 'min' | 'max', args: PyValue[], ctx: CallContext): PyValue {
  const last = args[args.length - 1];
  const kw = last instanceof Map && args.length > 0 ? (last as Map<string, PyValue>) : new Map<string, PyValue>();
  const positional = args.slice(0, -1);
  for (const k of kw.keys()) if (k !== 'key') throw new PyError('TypeError', `${which}() got an unexpected keyword argument '${k}'`);
  const items = positional.length === 1 ? iterate(positional[0] as PyValue) : positional;
  if (items.length === 0) throw new PyError('ValueError', `${which}() arg is an empty sequence`);
  const key = kw.get('key') ?? null;
  const keyOf = (v: PyValue): PyValue => (key === null ? v : callValue(key, [v], ctx));
  let best = items[0] as PyValue;
  let bestKey = keyOf(best);
  for (let i = 1; i < items.length; i++) {
    const k = keyOf(items[i] as PyValue);
    const c = pyCompare(k, bestKey, which === 'min' ? '<' : '>');
    if (which === 'min' ? c < 0 : c > 0) {
      best = items[i] as PyValue;
      bestKey = k;
    }
  }
  return best;
}

export function callValue(f: PyValue, args: PyValue[], ctx: CallContext, kwargs = new Map<string, PyValue>()): PyValue {
  if (!(f instanceof PyCallable)) throw new PyError('TypeError', `'${pyTypeName(f)}' object is not callable`);
  return f.call(args, kwargs, ctx);
}

function makeList(items: PyValue[], ctx: CallContext): PyValue[] {
  if (items.length > MAX_SEQUENCE) throw new PyError('MemoryError', 'list too long');
  ctx.charge(items.length);
  return items;
}

function toPairs(v: PyValue): [string, PyValue][] {
  if (v instanceof Map) return [...v];
  return iterate(v).map((pair) => {
    const items = Array.isArray(pair) ? pair : pair instanceof PyTuple ? pair.items : null;
    if (items === null || items.length !== 2) throw new PyError('TypeError', 'dictionary update sequence element is not a pair');
    const key = items[0] as PyValue;
    if (typeof key !== 'string') throw new PyError('TypeError', `configuration mappings take string keys only, not ${pyTypeName(key)}`);
    return [key, items[1] as PyValue];
  });
}

const isIntValue = (v: PyValue) => typeof v === 'number' || typeof v === 'boolean';

export const BUILTINS: ReadonlyMap<string, PyValue> = new Map<string, PyValue>([
  ['len', fn('len', ['obj'], ([v]) => {
    const x = v as PyValue;
    if (typeof x === 'string') return Array.from(x).length;
    if (Array.isArray(x)) return x.length;
    if (x instanceof Map) return x.size;
    if (x instanceof PyTuple) return x.items.length;
    throw new PyError('TypeError', `object of type '${pyTypeName(x)}' has no len()`);
  })],
  ['str', new PyType('str', (v) => typeof v === 'string', ['object'], ([v]) => pyStr(v as PyValue), { defaults: [''] })],
  ['repr', fn('repr', ['object'], ([v]) => pyRepr(v as PyValue))],
  ['int', new PyType('int', isIntValue, ['x', 'base'], ([v, b]) => toInt(v as PyValue, b as PyValue), { defaults: [0, null] })],
  ['float', new PyType('float', (v) => v instanceof PyFloat, ['x'], ([v]) => toFloat(v as PyValue), { defaults: [new PyFloat(0)] })],
  ['bool', new PyType('bool', (v) => typeof v === 'boolean', ['x'], ([v]) => truthy(v as PyValue), { defaults: [false] })],
  ['list', new PyType('list', (v) => Array.isArray(v), ['iterable'], ([v], ctx) => makeList([...iterate(v as PyValue)], ctx), { defaults: [new PyTuple([])] })],
  ['tuple', new PyType('tuple', (v) => v instanceof PyTuple, ['iterable'], ([v]) => new PyTuple([...iterate(v as PyValue)]), { defaults: [new PyTuple([])] })],
  ['dict', new PyType('dict', (v) => v instanceof Map, [], (args) => {
    const kw = args[args.length - 1] as Map<string, PyValue>;
    const positional = args.slice(0, -1);
    if (positional.length > 1) throw new PyError('TypeError', `dict expected at most 1 argument, got ${positional.length}`);
    const out = new Map<string, PyValue>(positional.length === 1 ? toPairs(positional[0] as PyValue) : []);
    for (const [k, v] of kw) out.set(k, v);
    return out;
  }, { varargs: true, kwargs: true })],
  ['abs', fn('abs', ['x'], ([v]) => {
    const n = asNumber(v as PyValue);
    if (n === null) throw new PyError('TypeError', `bad operand type for abs(): '${pyTypeName(v as PyValue)}'`);
    return n.float ? new PyFloat(Math.abs(n.n)) : Math.abs(n.n);
  })],
  ['round', fn('round', ['number', 'ndigits'], ([x, nd]) => pyRound(x as PyValue, nd as PyValue), [null])],
  ['min', new BuiltinFunction('min', [], (args, ctx) => minMax('min', args, ctx), { varargs: true, kwargs: true })],
  ['max', new BuiltinFunction('max', [], (args, ctx) => minMax('max', args, ctx), { varargs: true, kwargs: true })],
  ['sum', fn('sum', ['iterable', 'start'], ([it, start], ctx) => {
    let acc = start as PyValue;
    for (const v of iterate(it as PyValue)) {
      ctx.charge(1);
      const a = asNumber(acc);
      const b = asNumber(v);
      if (a === null || b === null) throw new PyError('TypeError', `unsupported operand type(s) for +: '${pyTypeName(acc)}' and '${pyTypeName(v)}'`);
      acc = a.float || b.float ? new PyFloat(a.n + b.n) : checkedInt(a.n + b.n);
    }
    return acc;
  }, [0])],
  ['sorted', fn('sorted', ['iterable', 'key', 'reverse'], ([it, key, reverse], ctx) => {
    const items = [...iterate(it as PyValue)];
    ctx.charge(items.length * Math.log2(items.length + 2));
    const keys = items.map((v) => (key === null ? v : callValue(key as PyValue, [v], ctx)));
    const order = items.map((_, i) => i);
    order.sort((i, j) => pyCompare(keys[i] as PyValue, keys[j] as PyValue, '<') || i - j);
    if (truthy(reverse as PyValue)) {
      // Python's reverse keeps stability: sort descending rather than reversing.
      order.sort((i, j) => pyCompare(keys[j] as PyValue, keys[i] as PyValue, '<') || i - j);
    }
    return order.map((i) => items[i] as PyValue);
  }, [null, false])],
  ['range', new BuiltinFunction('range', [], (args, ctx) => {
    const ints = args.map((a) => {
      if (!isIntValue(a)) throw new PyError('TypeError', `'${pyTypeName(a)}' object cannot be interpreted as an integer`);
      return asNumber(a)?.n ?? 0;
    });
    const [start, stop, step] = ints.length === 1 ? [0, ints[0] ?? 0, 1] : [ints[0] ?? 0, ints[1] ?? 0, ints[2] ?? 1];
    if (ints.length === 0 || ints.length > 3) throw new PyError('TypeError', 'range expected 1 to 3 arguments');
    if (step === 0) throw new PyError('ValueError', 'range() arg 3 must not be zero');
    const n = Math.max(0, Math.ceil((stop - start) / step));
    if (n > MAX_SEQUENCE) throw new PyError('MemoryError', 'range too long');
    ctx.charge(n);
    return Array.from({ length: n }, (_, i) => start + i * step);
  }, { varargs: true })],
  ['any', fn('any', ['iterable'], ([it]) => iterate(it as PyValue).some(truthy))],
  ['all', fn('all', ['iterable'], ([it]) => iterate(it as PyValue).every(truthy))],
  ['zip', new BuiltinFunction('zip', [], (args, ctx) => {
    const seqs = args.map(iterate);
    const n = seqs.length === 0 ? 0 : Math.min(...seqs.map((s) => s.length));
    ctx.charge(n);
    return Array.from({ length: n }, (_, i) => new PyTuple(seqs.map((s) => s[i] as PyValue)));
  }, { varargs: true })],
  ['enumerate', fn('enumerate', ['iterable', 'start'], ([it, start], ctx) => {
    const items = iterate(it as PyValue);
    ctx.charge(items.length);
    const s = asNumber(start as PyValue)?.n ?? 0;
    return items.map((v, i) => new PyTuple([s + i, v]));
  }, [0])],
  ['reversed', fn('reversed', ['sequence'], ([it]) => [...iterate(it as PyValue)].reverse())],
  ['isinstance', fn('isinstance', ['obj', 'classinfo'], ([v, cls]) => {
    const types = cls instanceof PyTuple ? cls.items : [cls as PyValue];
    return types.some((t) => {
      if (!(t instanceof PyType)) throw new PyError('TypeError', 'isinstance() arg 2 must be a type or tuple of types');
      return t.test(v as PyValue);
    });
  })],
]);

export const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTINS.keys());

/** A method bound to its receiver (`d.get`, `s.split`, ...). */
class BoundMethod extends PyCallable {
  constructor(
    readonly name: string,
    private readonly fnc: BuiltinFunction,
    private readonly self: PyValue,
  ) {
    super();
  }
  call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue {
    return this.fnc.call([this.self, ...args], kwargs, ctx);
  }
}

const strMethods = new Map<string, BuiltinFunction>([
  ['upper', fn('upper', ['self'], ([s]) => (s as string).toUpperCase())],
  ['lower', fn('lower', ['self'], ([s]) => (s as string).toLowerCase())],
  ['strip', fn('strip', ['self', 'chars'], ([s, c]) => stripChars(s as string, c as PyValue, true, true), [null])],
  ['lstrip', fn('lstrip', ['self', 'chars'], ([s, c]) => stripChars(s as string, c as PyValue, true, false), [null])],
  ['rstrip', fn('rstrip', ['self', 'chars'], ([s, c]) => stripChars(s as string, c as PyValue, false, true), [null])],
  ['split', fn('split', ['self', 'sep', 'maxsplit'], ([s, sep, max]) => splitString(s as string, sep as PyValue, max as PyValue), [null, -1])],
  ['join', fn('join', ['self', 'iterable'], ([s, it]) => iterate(it as PyValue).map((x) => {
    if (typeof x !== 'string') throw new PyError('TypeError', `sequence item: expected str instance, ${pyTypeName(x)} found`);
    return x;
  }).join(s as string))],
  ['replace', fn('replace', ['self', 'old', 'new'], ([s, a, b]) => {
    if (typeof a !== 'string' || typeof b !== 'string') throw new PyError('TypeError', 'replace() arguments must be str');
    return (s as string).split(a).join(b);
  })],
  ['startswith', fn('startswith', ['self', 'prefix'], ([s, p]) => strTest(p as PyValue, (x) => (s as string).startsWith(x)))],
  ['endswith', fn('endswith', ['self', 'suffix'], ([s, p]) => strTest(p as PyValue, (x) => (s as string).endsWith(x)))],
  ['find', fn('find', ['self', 'sub'], ([s, sub]) => (s as string).indexOf(String(sub)))],
  ['count', fn('count', ['self', 'sub'], ([s, sub]) => (String(sub) === '' ? (s as string).length + 1 : (s as string).split(String(sub)).length - 1))],
]);

function strTest(p: PyValue, test: (s: string) => boolean): boolean {
  const options = p instanceof PyTuple ? p.items : [p];
  return options.some((x) => {
    if (typeof x !== 'string') throw new PyError('TypeError', 'startswith/endswith first arg must be str or a tuple of str');
    return test(x);
  });
}

function stripChars(s: string, chars: PyValue, left: boolean, right: boolean): string {
  const set = chars === null ? null : new Set(Array.from(String(chars)));
  const strip = (ch: string) => (set === null ? /\s/.test(ch) : set.has(ch));
  const arr = Array.from(s);
  let a = 0;
  let b = arr.length;
  if (left) while (a < b && strip(arr[a] as string)) a++;
  if (right) while (b > a && strip(arr[b - 1] as string)) b--;
  return arr.slice(a, b).join('');
}

function splitString(s: string, sep: PyValue, max: PyValue): string[] {
  const limit = asNumber(max)?.n ?? -1;
  if (sep === null) {
    const parts = s.trim().split(/\s+/).filter((x) => x !== '');
    if (limit < 0 || parts.length <= limit + 1) return parts;
    // Rejoin the tail the way Python keeps it (original spacing is not preserved beyond maxsplit).
    return [...parts.slice(0, limit), parts.slice(limit).join(' ')];
  }
  if (typeof sep !== 'string') throw new PyError('TypeError', 'must be str or None');
  if (sep === '') throw new PyError('ValueError', 'empty separator');
  const parts = s.split(sep);
  if (limit < 0 || parts.length <= limit + 1) return parts;
  return [...parts.slice(0, limit), parts.slice(limit).join(sep)];
}

const MISSING = new PyTuple([]); // sentinel for "no default given"

const listMethods = new Map<string, BuiltinFunction>([
  ['append', fn('append', ['self', 'x'], ([l, x]) => {
    const list = l as PyValue[];
    if (list.length >= MAX_SEQUENCE) throw new PyError('MemoryError', 'list too long');
    list.push(x as PyValue);
    return null;
  })],
  ['extend', fn('extend', ['self', 'iterable'], ([l, it], ctx) => {
    const items = iterate(it as PyValue);
    const list = l as PyValue[];
    if (list.length + items.length > MAX_SEQUENCE) throw new PyError('MemoryError', 'list too long');
    ctx.charge(items.length);
    list.push(...items);
    return null;
  })],
  ['insert', fn('insert', ['self', 'index', 'x'], ([l, i, x]) => {
    const list = l as PyValue[];
    let idx = asNumber(i as PyValue)?.n ?? 0;
    if (idx < 0) idx = Math.max(0, idx + list.length);
    list.splice(Math.min(idx, list.length), 0, x as PyValue);
    return null;
  })],
  ['pop', fn('pop', ['self', 'index'], ([l, i]) => {
    const list = l as PyValue[];
    if (list.length === 0) throw new PyError('IndexError', 'pop from empty list');
    let idx = asNumber(i as PyValue)?.n ?? -1;
    if (idx < 0) idx += list.length;
    if (idx < 0 || idx >= list.length) throw new PyError('IndexError', 'pop index out of range');
    return list.splice(idx, 1)[0] as PyValue;
  }, [-1])],
  ['remove', fn('remove', ['self', 'x'], ([l, x]) => {
    const list = l as PyValue[];
    const idx = list.findIndex((v) => pyEquals(v, x as PyValue));
    if (idx < 0) throw new PyError('ValueError', 'list.remove(x): x not in list');
    list.splice(idx, 1);
    return null;
  })],
  ['index', fn('index', ['self', 'x'], ([l, x]) => {
    const idx = (l as PyValue[]).findIndex((v) => pyEquals(v, x as PyValue));
    if (idx < 0) throw new PyError('ValueError', `${pyRepr(x as PyValue)} is not in list`);
    return idx;
  })],
  ['count', fn('count', ['self', 'x'], ([l, x]) => (l as PyValue[]).filter((v) => pyEquals(v, x as PyValue)).length)],
  ['copy', fn('copy', ['self'], ([l]) => [...(l as PyValue[])])],
  ['reverse', fn('reverse', ['self'], ([l]) => {
    (l as PyValue[]).reverse();
    return null;
  })],
]);

const dictMethods = new Map<string, BuiltinFunction>([
  ['get', fn('get', ['self', 'key', 'default'], ([d, k, dflt]) => {
    const m = d as Map<string, PyValue>;
    return typeof k === 'string' && m.has(k) ? (m.get(k) as PyValue) : (dflt as PyValue);
  }, [null])],
  ['keys', fn('keys', ['self'], ([d]) => [...(d as Map<string, PyValue>).keys()])],
  ['values', fn('values', ['self'], ([d]) => [...(d as Map<string, PyValue>).values()])],
  ['items', fn('items', ['self'], ([d]) => [...(d as Map<string, PyValue>)].map(([k, v]) => new PyTuple([k, v])))],
  ['copy', fn('copy', ['self'], ([d]) => new Map(d as Map<string, PyValue>))],
  ['update', new BuiltinFunction('update', [], (args) => {
    const [self, ...rest] = args;
    const kw = rest.pop() as Map<string, PyValue>;
    if (rest.length > 1) throw new PyError('TypeError', `update expected at most 1 argument, got ${rest.length}`);
    const m = self as Map<string, PyValue>;
    if (rest.length === 1) for (const [k, v] of toPairs(rest[0] as PyValue)) m.set(k, v);
    for (const [k, v] of kw) m.set(k, v);
    return null;
  }, { varargs: true, kwargs: true })],
  ['pop', fn('pop', ['self', 'key', 'default'], ([d, k, dflt]) => {
    const m = d as Map<string, PyValue>;
    if (typeof k === 'string' && m.has(k)) {
      const v = m.get(k) as PyValue;
      m.delete(k);
      return v;
    }
    if (dflt === MISSING) throw new PyError('KeyError', pyRepr(k as PyValue));
    return dflt as PyValue;
  }, [MISSING])],
  ['setdefault', fn('setdefault', ['self', 'key', 'default'], ([d, k, dflt]) => {
    const m = d as Map<string, PyValue>;
    if (typeof k !== 'string') throw new PyError('TypeError', 'configuration mappings take string keys only');
    if (!m.has(k)) m.set(k, dflt as PyValue);
    return m.get(k) as PyValue;
  }, [null])],
]);

/** Attribute access: module members and the whitelisted methods of str / list / dict. */
export function getAttribute(obj: PyValue, attr: string): PyValue {
  if (attr.startsWith('__')) throw new PyError('AttributeError', `access to the special attribute ${attr} is not allowed`);
  if (obj instanceof PyModule) {
    if (obj.members.has(attr)) return obj.members.get(attr) as PyValue;
    throw new PyError('AttributeError', `module '${obj.name}' has no attribute '${attr}'`);
  }
  const table = typeof obj === 'string' ? strMethods : Array.isArray(obj) ? listMethods : obj instanceof Map ? dictMethods : null;
  const method = table?.get(attr);
  if (method === undefined) throw new PyError('AttributeError', `'${pyTypeName(obj)}' object has no attribute '${attr}'`);
  return new BoundMethod(attr, method, obj);
}

export const COPY_MODULE = new PyModule('copy', new Map<string, PyValue>([
  ['deepcopy', fn('deepcopy', ['x'], ([x], ctx) => {
    ctx.charge(1);
    return deepCopy(x as PyValue);
  })],
  ['copy', fn('copy', ['x'], ([x]) => {
    const v = x as PyValue;
    if (Array.isArray(v)) return [...v];
    if (v instanceof Map) return new Map(v);
    return v;
  })],
]));

const mathFn = (name: string, f: (x: number) => number, toInt = false) =>
  fn(name, ['x'], ([x]) => {
    const n = asNumber(x as PyValue);
    if (n === null) throw new PyError('TypeError', `must be real number, not ${pyTypeName(x as PyValue)}`);
    const r = f(n.n);
    if (Number.isNaN(r) && !Number.isNaN(n.n)) throw new PyError('ValueError', 'math domain error');
    return toInt ? checkedInt(r) : new PyFloat(r);
  });

export const MATH_MODULE = new PyModule('math', new Map<string, PyValue>([
  ['sqrt', mathFn('sqrt', Math.sqrt)],
  ['exp', mathFn('exp', Math.exp)],
  ['log2', mathFn('log2', Math.log2)],
  ['log10', mathFn('log10', Math.log10)],
  ['fabs', mathFn('fabs', Math.abs)],
  ['floor', mathFn('floor', Math.floor, true)],
  ['ceil', mathFn('ceil', Math.ceil, true)],
  ['log', fn('log', ['x', 'base'], ([x, b]) => {
    const n = asNumber(x as PyValue);
    if (n === null || n.n <= 0) throw new PyError('ValueError', 'math domain error');
    if (b === null) return new PyFloat(Math.log(n.n));
    const base = asNumber(b as PyValue);
    if (base === null || base.n <= 0 || base.n === 1) throw new PyError('ValueError', 'math domain error');
    return new PyFloat(Math.log(n.n) / Math.log(base.n));
  }, [null])],
  ['pow', fn('pow', ['x', 'y'], ([x, y]) => {
    const a = asNumber(x as PyValue);
    const b = asNumber(y as PyValue);
    if (a === null || b === null) throw new PyError('TypeError', 'must be real number');
    return new PyFloat(Math.pow(a.n, b.n));
  })],
  ['isfinite', fn('isfinite', ['x'], ([x]) => Number.isFinite(asNumber(x as PyValue)?.n))],
  ['isnan', fn('isnan', ['x'], ([x]) => Number.isNaN(asNumber(x as PyValue)?.n))],
  ['pi', new PyFloat(Math.PI)],
  ['e', new PyFloat(Math.E)],
  ['inf', new PyFloat(Infinity)],
]));

export { PySlice, getItem, pyContains };
