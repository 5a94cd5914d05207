/**
 * The value model shared by the YAML loader, the upsert engine and the Python-subset interpreter.
 *
 * It mirrors what dysweep sees in Python: ints and floats are different types (a YAML `1.0` must reach
 * the job as `1.0`), mappings keep insertion order and use string keys only (a `Map`, because JS objects
 * reorder integer-like keys), and containers are mutable and shared by reference exactly like Python's.
 */

/** A Python float. Ints are plain JS numbers (always integral); floats are wrapped to keep the type. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python tuple (immutable sequence). Serialised as a JSON array. */
export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

export type PyDict = Map<string, PyValue>;
export type PyList = PyValue[];

/** Minimal context handed to callables so they can charge the interpreter's step budget. */
export interface CallContext {
  /** Charge `n` units of work; throws when the snippet's budget is exhausted. */
  charge(n: number): void;
}

/** Anything callable from a snippet: user functions, lambdas, built-in helpers, bound methods. */
export abstract class PyCallable {
  abstract readonly name: string;
  abstract call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue;
}

/** A module object (only the built-in registry's modules exist). */
export class PyModule {
  constructor(
    readonly name: string,
    readonly members: ReadonlyMap<string, PyValue>,
  ) {}
}

export type PyValue =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | PyList
  | PyDict
  | PyTuple
  | PyCallable
  | PyModule;

/** A Python-level exception raised by the interpreter or a helper (KeyError, TypeError, ...). */
export class PyError extends Error {
  /** 1-based line inside the snippet, filled in by the interpreter when known. */
  line?: number;
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

export const isDict = (v: PyValue | undefined): v is PyDict => v instanceof Map;
export const isList = (v: PyValue | undefined): v is PyList => Array.isArray(v);
export const isFloat = (v: PyValue | undefined): v is PyFloat => v instanceof PyFloat;
/** Python `int` (bools excluded). */
export const isInt = (v: PyValue | undefined): v is number => typeof v === 'number';

export function pyFloat(n: number): PyFloat {
  return new PyFloat(n);
}

/** Python's `type(v).__name__`, used in error messages. */
export function pyTypeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof PyFloat) return 'float';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyModule) return 'module';
  return 'function';
}

/** Where a mapping keeps its remembered sorted key order (see canonical-json's sortedKeys). */
export const SORTED_KEYS: unique symbol = Symbol('sortedKeys');

/** `copy.deepcopy` for configuration values (callables and modules are shared, as in Python). */
export function deepCopy(v: PyValue): PyValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: PyValue[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = deepCopy(v[i] as PyValue);
    return out;
  }
  if (v instanceof Map) {
    const out: PyDict = new Map();
    for (const [k, x] of v) out.set(k, deepCopy(x));
    const sorted = (v as { [SORTED_KEYS]?: readonly string[] })[SORTED_KEYS];
    if (sorted !== undefined) (out as { [SORTED_KEYS]?: readonly string[] })[SORTED_KEYS] = sorted;
    return out;
  }
  if (v instanceof PyTuple) return new PyTuple(v.items.map(deepCopy));
  return v;
}

/** Build a dict from entries (convenience for helpers and tests). */
export function dict(entries: Iterable<readonly [string, PyValue]>): PyDict {
  return new Map(entries);
}
