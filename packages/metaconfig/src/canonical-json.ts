/**
 * Canonical JSON: sorted keys (Python code-point order), compact separators, and float fidelity —
 * a float is written the way Python's `repr` writes it (`1.0`, `1e-05`, `1e+16`), an int as digits.
 * This is the text that is hashed and handed to workers.
 */
import { PyFloat, PyTuple, SORTED_KEYS, type PyValue, pyTypeName } from './value.js';

type KeyCache = { [SORTED_KEYS]?: readonly string[] };
import type { JsonValue } from './types.js';
import { isModelReference } from './reserved-words.js';

/** String order of Python (`<` on str): by code point, not by UTF-16 unit and never by locale. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogate halves (D800–DFFF) stand for code points above FFFF and must sort after E000–FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length;
}

function hasSurrogate(k: string): boolean {
  for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) >= 0xd800) return true;
  return false;
}

/**
 * Sorted keys of a mapping. The result is remembered on the mapping (and handed to its deep copies), and
 * reused while the mapping still has exactly those keys: every job copies the same base mappings, so the
 * sort is done once per base mapping instead of once per job. Callers must not mutate the array.
 */
export function sortedKeys(map: ReadonlyMap<string, unknown>): readonly string[] {
  const cached = (map as KeyCache)[SORTED_KEYS];
  if (cached !== undefined && cached.length === map.size) {
    let same = true;
    for (const k of cached) {
      if (!map.has(k)) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const keys = [...map.keys()];
  // The native sort orders by UTF-16 unit, which equals code-point order unless a key holds a surrogate.
  if (keys.length > 1) {
    let surrogate = false;
    for (const k of keys) if (hasSurrogate(k)) surrogate = true;
    if (surrogate) keys.sort(compareCodePoints);
    else keys.sort();
  }
  (map as KeyCache)[SORTED_KEYS] = keys;
  return keys;
}

/** JSON text of mapping keys, memoised: the same keys recur in every job of a sweep. */
const keyText = new Map<string, string>();
function quotedKey(k: string): string {
  let t = keyText.get(k);
  if (t === undefined) {
    t = `${JSON.stringify(k)}:`;
    if (keyText.size < 50_000) keyText.set(k, t);
  }
  return t;
}

const reprCache = new Map<number, string>();

/** Python's `repr(float)`: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
export function pyFloatRepr(x: number): string {
  if (Object.is(x, -0)) return '-0.0';
  let r = reprCache.get(x);
  if (r === undefined) {
    r = floatRepr(x);
    if (reprCache.size < 100_000) reprCache.set(x, r);
  }
  return r;
}

function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(x.toExponential());
  if (!m) throw new Error(`unexpected float form ${x}`);
  const sign = m[1] ?? '';
  const lead = m[2] ?? '0';
  const rest = m[3] ?? '';
  const exp = Number(m[4]);
  const digits = lead + rest;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1);
      return `${sign}${intPart}.${frac === '' ? '0' : frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  const mantissa = rest === '' ? lead : `${lead}.${rest}`;
  const e = Math.abs(exp);
  return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

/** Raised when a value cannot be written as JSON (a function, a non-finite float). */
export class NotSerialisableError extends Error {
  constructor(
    public path: string,
    message: string,
  ) {
    super(message);
  }
  /** Paths are assembled while unwinding, so the happy path builds no strings. */
  prepend(seg: string | number): void {
    const head = typeof seg === 'number' ? `[${seg}]` : seg;
    this.path = this.path === '' || this.path.startsWith('[') ? `${head}${this.path}` : `${head}.${this.path}`;
  }
}

export interface CanonicalOptions {
  /** Write integral floats as ints (W&B's grid compares values this way when collapsing duplicates). */
  integralFloatsAsInts?: boolean;
  /** Throw `ForbiddenKeyError` on any of these keys (the reserved-word check, folded into the one walk). */
  forbiddenKeys?: ReadonlySet<string>;
}

/** A forbidden key was met while writing; `path` locates it. */
export class ForbiddenKeyError extends NotSerialisableError {
  constructor(readonly key: string) {
    super(key, `forbidden key '${key}'`);
  }
}

let forbidden: ReadonlySet<string> | undefined;

export function canonicalJson(v: PyValue, options: CanonicalOptions = {}): string {
  forbidden = options.forbiddenKeys;
  try {
    return write(v, options.integralFloatsAsInts === true);
  } finally {
    forbidden = undefined;
  }
}

// String concatenation (V8 ropes) beats collecting parts: this runs once per job over the whole config.
function write(v: PyValue, intFloats: boolean): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      return Object.is(v, -0) ? '0' : String(v);
    case 'string':
      return JSON.stringify(v);
  }
  if (v instanceof PyFloat) {
    if (!Number.isFinite(v.value)) {
      throw new NotSerialisableError('', `the float ${pyFloatRepr(v.value)} cannot be written as JSON`);
    }
    return intFloats && Number.isInteger(v.value) ? String(v.value === 0 ? 0 : v.value) : pyFloatRepr(v.value);
  }
  if (Array.isArray(v) || v instanceof PyTuple) {
    const items = Array.isArray(v) ? v : v.items;
    let out = '[';
    for (let i = 0; i < items.length; i++) {
      if (i > 0) out += ',';
      try {
        out += write(items[i] as PyValue, intFloats);
      } catch (e) {
        if (e instanceof NotSerialisableError) e.prepend(i);
        throw e;
      }
    }
    return out + ']';
  }
  if (v instanceof Map) {
    let out = '{';
    let first = true;
    // A {sweep, job} model reference is dgm-ood's, not a dysweep directive.
    const checked = forbidden !== undefined && !isModelReference(v);
    for (const k of sortedKeys(v)) {
      if (!first) out += ',';
      first = false;
      if (checked && forbidden!.has(k)) throw new ForbiddenKeyError(k);
      try {
        out += quotedKey(k) + write(v.get(k) as PyValue, intFloats);
      } catch (e) {
        if (e instanceof NotSerialisableError) e.prepend(k);
        throw e;
      }
    }
    return out + '}';
  }
  throw new NotSerialisableError('', `a value of type ${pyTypeName(v)} cannot be stored in a configuration`);
}

/** Plain JS view of a value (floats become numbers, keys sorted). Throws like `canonicalJson`. */
export function toJsonValue(v: PyValue, path = ''): JsonValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) {
    if (!Number.isFinite(v.value)) {
      throw new NotSerialisableError(path, `the float ${pyFloatRepr(v.value)} cannot be written as JSON`);
    }
    return v.value;
  }
  if (Array.isArray(v)) return v.map((x, i) => toJsonValue(x, `${path}[${i}]`));
  if (v instanceof PyTuple) return v.items.map((x, i) => toJsonValue(x, `${path}[${i}]`));
  if (v instanceof Map) {
    const out: { [k: string]: JsonValue } = {};
    for (const k of sortedKeys(v)) {
      const x = toJsonValue(v.get(k) as PyValue, path === '' ? k : `${path}.${k}`);
      // A key named __proto__ must become an own property, not the prototype.
      if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
      else out[k] = x;
    }
    return out;
  }
  throw new NotSerialisableError(path, `a value of type ${pyTypeName(v)} cannot be stored in a configuration`);
}

/** Inverse of `toJsonValue` for plain JSON input: every non-integral number becomes a float. */
export function fromJsonValue(v: JsonValue): PyValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? v : new PyFloat(v);
  if (Array.isArray(v)) return v.map(fromJsonValue);
  const out = new Map<string, PyValue>();
  for (const [k, x] of Object.entries(v)) out.set(k, fromJsonValue(x));
  return out;
}
