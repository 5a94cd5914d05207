/**
 * Tree-walking evaluator for the Python subset. Semantics follow CPython for everything the subset
 * contains (scoping with closures, default arguments evaluated at `def` time, reference semantics of
 * lists and dicts, int/float arithmetic). There are no loops, and every call is charged against a step
 * budget and a depth limit, so evaluation always terminates.
 */
import { type CallContext, PyCallable, PyError, PyFloat, PyModule, PyTuple, type PyValue } from '../value.js';
import type { BinOp, Expr, Module, Param, Stmt, Target } from './ast.js';
import { BUILTINS, getAttribute } from './builtins.js';
import { MODULES, starNames } from './modules.js';
import { PySlice, binaryOp, getItem, iterate, pyCompare, pyContains, pyEquals, setItem, truthy, unaryMinus, unaryPlus } from './ops.js';

export interface Limits {
  maxSteps: number;
  maxDepth: number;
}

export const DEFAULT_LIMITS: Limits = { maxSteps: 2_000_000, maxDepth: 100 };

/** Per-evaluation state: the step budget and the call depth; `shared` is charged too (e.g. an expansion's budget). */
export class Runtime implements CallContext {
  steps = 0;
  depth = 0;
  constructor(
    readonly limits: Limits = DEFAULT_LIMITS,
    private readonly shared?: CallContext,
  ) {}

  charge(n: number): void {
    this.shared?.charge(n);
    this.steps += n;
    if (this.steps > this.limits.maxSteps) {
      throw new PyError('ResourceLimitError', `the snippet exceeded its budget of ${this.limits.maxSteps} evaluation steps`);
    }
  }
}

/** A variable scope. Function scopes know their local names statically (Python's rule); the module scope does not. */
export class Scope {
  readonly vars = new Map<string, PyValue>();
  constructor(
    readonly locals: ReadonlySet<string> | null,
    readonly parent: Scope | null,
  ) {}
}

class ReturnSignal {
  constructor(readonly value: PyValue) {}
}

/** Names a function body binds (assignments, defs, imports) — not descending into nested functions. */
export function boundNames(body: readonly Stmt[], out = new Set<string>()): Set<string> {
  const addTarget = (t: Target) => {
    if (t.kind === 'name') out.add(t.id);
    else if (t.kind === 'unpack') t.items.forEach(addTarget);
  };
  for (const s of body) {
    switch (s.kind) {
      case 'assign':
        s.targets.forEach(addTarget);
        break;
      case 'augassign':
        addTarget(s.target);
        break;
      case 'def':
        out.add(s.name);
        break;
      case 'import':
        for (const n of s.names) out.add(n.asname ?? (n.module.split('.')[0] as string));
        break;
      case 'from':
        if (s.names === '*') {
          const m = MODULES.get(s.module);
          if (m) starNames(m).forEach((n) => out.add(n));
        } else for (const n of s.names) out.add(n.asname ?? n.name);
        break;
      case 'if':
        boundNames(s.body, out);
        boundNames(s.orelse, out);
        break;
      default:
        break;
    }
  }
  return out;
}

const localsCache = new WeakMap<object, ReadonlySet<string>>();
function localsOf(key: object, params: readonly Param[], body: readonly Stmt[]): ReadonlySet<string> {
  let s = localsCache.get(key);
  if (s === undefined) {
    s = boundNames(body, new Set(params.map((p) => p.name)));
    localsCache.set(key, s);
  }
  return s;
}

/** A `def` function or a `lambda`. */
export class PyFunction extends PyCallable {
  constructor(
    readonly name: string,
    private readonly params: readonly Param[],
    private readonly defaults: readonly (PyValue | undefined)[],
    private readonly body: readonly Stmt[] | Expr,
    private readonly closure: Scope,
    private readonly node: object,
  ) {
    super();
  }

  call(args: PyValue[], kwargs: Map<string, PyValue>, ctx: CallContext): PyValue {
    const rt = ctx as Runtime;
    const { params } = this;
    if (args.length > params.length) {
      throw new PyError('TypeError', `${this.name}() takes ${params.length} positional argument${params.length === 1 ? '' : 's'} but ${args.length} were given`);
    }
    const locals = Array.isArray(this.body)
      ? localsOf(this.node, params, this.body as Stmt[])
      : localsOf(this.node, params, []);
    const scope = new Scope(locals, this.closure);
    params.forEach((p, i) => {
      if (i < args.length) scope.vars.set(p.name, args[i] as PyValue);
    });
    for (const [k, v] of kwargs) {
      const i = params.findIndex((p) => p.name === k);
      if (i < 0) throw new PyError('TypeError', `${this.name}() got an unexpected keyword argument '${k}'`);
      if (i < args.length) throw new PyError('TypeError', `${this.name}() got multiple values for argument '${k}'`);
      scope.vars.set(k, v);
    }
    params.forEach((p, i) => {
      if (!scope.vars.has(p.name)) {
        const d = this.defaults[i];
        if (d === undefined) throw new PyError('TypeError', `${this.name}() missing required positional argument: '${p.name}'`);
        scope.vars.set(p.name, d);
      }
    });
    if (++rt.depth > rt.limits.maxDepth) {
      rt.depth--;
      throw new PyError('RecursionError', `maximum call depth (${rt.limits.maxDepth}) exceeded`);
    }
    try {
      if (!Array.isArray(this.body)) return evalExpr(this.body as Expr, scope, rt);
      const r = execBlock(this.body as Stmt[], scope, rt);
      return r === undefined ? null : r.value;
    } finally {
      rt.depth--;
    }
  }
}

function lookup(name: string, scope: Scope): PyValue {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    if (s.locals === null) {
      if (s.vars.has(name)) return s.vars.get(name) as PyValue;
      break;
    }
    if (s.locals.has(name)) {
      if (s.vars.has(name)) return s.vars.get(name) as PyValue;
      throw new PyError(s === scope ? 'UnboundLocalError' : 'NameError', `cannot access local variable '${name}' where it is not associated with a value`);
    }
  }
  const b = BUILTINS.get(name);
  if (b !== undefined) return b;
  throw new PyError('NameError', `name '${name}' is not defined`);
}

function importModule(name: string): PyModule {
  const m = MODULES.get(name);
  if (m === undefined) throw new PyError('ModuleNotFoundError', `No module named '${name}'`);
  return m;
}

export function execModule(module: Module, rt: Runtime): Scope {
  const scope = new Scope(null, null);
  execBlock(module.body, scope, rt);
  return scope;
}

function execBlock(body: readonly Stmt[], scope: Scope, rt: Runtime): ReturnSignal | undefined {
  for (const s of body) {
    try {
      const r = execStmt(s, scope, rt);
      if (r !== undefined) return r;
    } catch (e) {
      if (e instanceof PyError && e.line === undefined) e.line = s.line;
      throw e;
    }
  }
  return undefined;
}

function execStmt(s: Stmt, scope: Scope, rt: Runtime): ReturnSignal | undefined {
  rt.charge(1);
  switch (s.kind) {
    case 'expr':
      evalExpr(s.value, scope, rt);
      return undefined;
    case 'pass':
      return undefined;
    case 'return':
      return new ReturnSignal(s.value === null ? null : evalExpr(s.value, scope, rt));
    case 'assign': {
      const v = evalExpr(s.value, scope, rt);
      for (const t of s.targets) assign(t, v, scope, rt);
      return undefined;
    }
    case 'augassign': {
      const t = s.target;
      if (t.kind === 'name') {
        scope.vars.set(t.id, binaryOp(s.op, lookup(t.id, scope), evalExpr(s.value, scope, rt), rt));
      } else if (t.kind === 'subscript') {
        const obj = evalExpr(t.value, scope, rt);
        const idx = evalExpr(t.index, scope, rt);
        const cur = getItem(obj, idx);
        setItem(obj, idx, augmented(s.op, cur, evalExpr(s.value, scope, rt), rt));
      }
      return undefined;
    }
    case 'if':
      return execBlock(truthy(evalExpr(s.test, scope, rt)) ? s.body : s.orelse, scope, rt);
    case 'def': {
      const defaults = s.params.map((p) => (p.default === null ? undefined : evalExpr(p.default, scope, rt)));
      scope.vars.set(s.name, new PyFunction(s.name, s.params, defaults, s.body, scope, s));
      return undefined;
    }
    case 'import':
      for (const n of s.names) {
        if (n.module.includes('.')) throw new PyError('ModuleNotFoundError', `No module named '${n.module}'`);
        scope.vars.set(n.asname ?? n.module, importModule(n.module));
      }
      return undefined;
    case 'from': {
      const m = importModule(s.module);
      if (s.names === '*') {
        for (const k of starNames(m)) scope.vars.set(k, m.members.get(k) as PyValue);
      } else {
        for (const n of s.names) {
          if (!m.members.has(n.name)) throw new PyError('ImportError', `cannot import name '${n.name}' from '${s.module}'`);
          scope.vars.set(n.asname ?? n.name, m.members.get(n.name) as PyValue);
        }
      }
      return undefined;
    }
  }
}

/** `x += y` mutates lists in place, as in Python. */
function augmented(op: BinOp, cur: PyValue, v: PyValue, rt: Runtime): PyValue {
  if (op === '+' && Array.isArray(cur)) {
    const items = iterate(v);
    rt.charge(items.length);
    cur.push(...items);
    return cur;
  }
  return binaryOp(op, cur, v, rt);
}

function assign(t: Target, v: PyValue, scope: Scope, rt: Runtime): void {
  switch (t.kind) {
    case 'name':
      scope.vars.set(t.id, v);
      return;
    case 'subscript':
      setItem(evalExpr(t.value, scope, rt), evalExpr(t.index, scope, rt), v);
      return;
    case 'unpack': {
      const items = iterate(v);
      if (items.length !== t.items.length) {
        throw new PyError('ValueError', items.length > t.items.length ? `too many values to unpack (expected ${t.items.length})` : `not enough values to unpack (expected ${t.items.length}, got ${items.length})`);
      }
      t.items.forEach((sub, i) => assign(sub, items[i] as PyValue, scope, rt));
    }
  }
}

export function evalExpr(e: Expr, scope: Scope, rt: Runtime): PyValue {
  rt.charge(1);
  switch (e.kind) {
    case 'int':
      return e.value;
    case 'float':
      return new PyFloat(e.value);
    case 'str':
      return e.value;
    case 'const':
      return e.value;
    case 'name':
      return lookup(e.id, scope);
    case 'list':
      return e.items.map((x) => evalExpr(x, scope, rt));
    case 'tuple':
      return new PyTuple(e.items.map((x) => evalExpr(x, scope, rt)));
    case 'dict': {
      const out = new Map<string, PyValue>();
      for (const entry of e.entries) {
        if (entry.key === null) {
          const src = evalExpr(entry.value, scope, rt);
          if (!(src instanceof Map)) throw new PyError('TypeError', `'${typeof src}' object is not a mapping`);
          for (const [k, v] of src) out.set(k, v);
          continue;
        }
        const k = evalExpr(entry.key, scope, rt);
        if (typeof k !== 'string') throw new PyError('TypeError', 'configuration mappings take string keys only');
        out.set(k, evalExpr(entry.value, scope, rt));
      }
      return out;
    }
    case 'subscript': {
      const obj = evalExpr(e.value, scope, rt);
      if (e.index.kind === 'slice') {
        const s = e.index;
        const part = (x: Expr | null) => (x === null ? null : evalExpr(x, scope, rt));
        return getItem(obj, new PySlice(part(s.lower), part(s.upper), part(s.step)));
      }
      return getItem(obj, evalExpr(e.index, scope, rt));
    }
    case 'slice':
      throw new PyError('SyntaxError', 'a slice outside a subscript');
    case 'attribute':
      return getAttribute(evalExpr(e.value, scope, rt), e.attr);
    case 'call': {
      const f = evalExpr(e.func, scope, rt);
      const args = e.args.map((a) => evalExpr(a, scope, rt));
      const kwargs = new Map<string, PyValue>();
      for (const k of e.kwargs) kwargs.set(k.name, evalExpr(k.value, scope, rt));
      if (!(f instanceof PyCallable)) throw new PyError('TypeError', `'${f instanceof PyModule ? 'module' : typeof f === 'string' ? 'str' : 'value'}' object is not callable`);
      return f.call(args, kwargs, rt);
    }
    case 'binop':
      return binaryOp(e.op, evalExpr(e.left, scope, rt), evalExpr(e.right, scope, rt), rt);
    case 'unary': {
      const v = evalExpr(e.operand, scope, rt);
      return e.op === 'not' ? !truthy(v) : e.op === '-' ? unaryMinus(v) : unaryPlus(v);
    }
    case 'boolop': {
      let v: PyValue = null;
      for (const x of e.values) {
        v = evalExpr(x, scope, rt);
        if (e.op === 'and' ? !truthy(v) : truthy(v)) return v;
      }
      return v;
    }
    case 'compare': {
      let left = evalExpr(e.left, scope, rt);
      for (let i = 0; i < e.ops.length; i++) {
        const right = evalExpr(e.comparators[i] as Expr, scope, rt);
        if (!compare(e.ops[i] as string, left, right)) return false;
        left = right;
      }
      return true;
    }
    case 'ifexp':
      return truthy(evalExpr(e.test, scope, rt)) ? evalExpr(e.body, scope, rt) : evalExpr(e.orelse, scope, rt);
    case 'lambda': {
      const defaults = e.params.map((p) => (p.default === null ? undefined : evalExpr(p.default, scope, rt)));
      return new PyFunction('<lambda>', e.params, defaults, e.body, scope, e);
    }
  }
}

function compare(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case '<':
      return pyCompare(a, b, op) < 0;
    case '>':
      return pyCompare(a, b, op) > 0;
    case '<=':
      return pyCompare(a, b, op) <= 0;
    case '>=':
      return pyCompare(a, b, op) >= 0;
    case 'in':
      return pyContains(b, a);
    case 'not in':
      return !pyContains(b, a);
    case 'is':
      return a === b;
    case 'is not':
      return a !== b;
    default:
      throw new PyError('SyntaxError', `unknown comparison ${op}`);
  }
}
