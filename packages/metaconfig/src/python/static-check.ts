/**
 * Static validation of a parsed snippet, before anything runs: every import must name a known helper
 * module and member, every name read must be bound somewhere in scope or be a supported built-in, and
 * special attributes (`__class__`, `__globals__`, ...) are refused. This is what turns
 * `__import__('os')`, `open(...)`, `eval(...)` or `import subprocess` into validation errors.
 */
import type { Expr, Module, Param, Stmt, Target } from './ast.js';
import { BUILTIN_NAMES } from './builtins.js';
import { boundNames } from './interpreter.js';
import { KNOWN_MODULE_NAMES, MODULES } from './modules.js';
import { UnsupportedConstructError } from './errors.js';

export class StaticCheckError extends Error {
  constructor(
    readonly code: 'eval.unknown_import' | 'eval.unknown_name',
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

type ScopeNames = { names: ReadonlySet<string>; parent: ScopeNames | null };

const AVAILABLE = `available built-ins: ${[...BUILTIN_NAMES].sort().join(', ')}`;

function checkName(id: string, line: number, scope: ScopeNames): void {
  for (let s: ScopeNames | null = scope; s !== null; s = s.parent) if (s.names.has(id)) return;
  if (BUILTIN_NAMES.has(id)) return;
  throw new StaticCheckError('eval.unknown_name', `name '${id}' is not defined in the snippet (${AVAILABLE}; modules: ${KNOWN_MODULE_NAMES.join(', ')})`, line);
}

function checkImport(s: Stmt): void {
  if (s.kind === 'import') {
    for (const n of s.names) {
      if (!MODULES.has(n.module)) {
        throw new StaticCheckError('eval.unknown_import', `import of unknown module '${n.module}' (known modules: ${KNOWN_MODULE_NAMES.join(', ')})`, s.line);
      }
    }
  } else if (s.kind === 'from') {
    const m = MODULES.get(s.module);
    if (m === undefined) {
      throw new StaticCheckError('eval.unknown_import', `import from unknown module '${s.module}' (known modules: ${KNOWN_MODULE_NAMES.join(', ')})`, s.line);
    }
    if (s.names !== '*') {
      for (const n of s.names) {
        if (!m.members.has(n.name)) {
          throw new StaticCheckError('eval.unknown_import', `cannot import name '${n.name}' from '${s.module}' (it has: ${[...m.members.keys()].join(', ')})`, s.line);
        }
      }
    }
  }
}

function checkExpr(e: Expr, scope: ScopeNames): void {
  switch (e.kind) {
    case 'name':
      checkName(e.id, e.line, scope);
      return;
    case 'list':
    case 'tuple':
      e.items.forEach((x) => checkExpr(x, scope));
      return;
    case 'dict':
      for (const en of e.entries) {
        if (en.key !== null) checkExpr(en.key, scope);
        checkExpr(en.value, scope);
      }
      return;
    case 'subscript':
      checkExpr(e.value, scope);
      checkExpr(e.index, scope);
      return;
    case 'slice':
      for (const x of [e.lower, e.upper, e.step]) if (x !== null) checkExpr(x, scope);
      return;
    case 'attribute':
      if (e.attr.startsWith('__')) throw new UnsupportedConstructError(`access to the special attribute ${e.attr}`, e.line);
      checkExpr(e.value, scope);
      return;
    case 'call':
      checkExpr(e.func, scope);
      e.args.forEach((x) => checkExpr(x, scope));
      e.kwargs.forEach((k) => checkExpr(k.value, scope));
      return;
    case 'binop':
      checkExpr(e.left, scope);
      checkExpr(e.right, scope);
      return;
    case 'unary':
      checkExpr(e.operand, scope);
      return;
    case 'boolop':
      e.values.forEach((x) => checkExpr(x, scope));
      return;
    case 'compare':
      checkExpr(e.left, scope);
      e.comparators.forEach((x) => checkExpr(x, scope));
      return;
    case 'ifexp':
      checkExpr(e.test, scope);
      checkExpr(e.body, scope);
      checkExpr(e.orelse, scope);
      return;
    case 'lambda':
      checkParams(e.params, scope);
      checkExpr(e.body, { names: new Set(e.params.map((p) => p.name)), parent: scope });
      return;
    default:
      return;
  }
}

function checkParams(params: readonly Param[], scope: ScopeNames): void {
  for (const p of params) if (p.default !== null) checkExpr(p.default, scope);
}

function checkTarget(t: Target, scope: ScopeNames): void {
  if (t.kind === 'subscript') {
    checkExpr(t.value, scope);
    checkExpr(t.index, scope);
  } else if (t.kind === 'unpack') t.items.forEach((x) => checkTarget(x, scope));
}

function checkBody(body: readonly Stmt[], scope: ScopeNames): void {
  for (const s of body) {
    switch (s.kind) {
      case 'import':
      case 'from':
        checkImport(s);
        break;
      case 'expr':
        checkExpr(s.value, scope);
        break;
      case 'return':
        if (s.value !== null) checkExpr(s.value, scope);
        break;
      case 'assign':
        checkExpr(s.value, scope);
        s.targets.forEach((t) => checkTarget(t, scope));
        break;
      case 'augassign':
        checkExpr(s.value, scope);
        if (s.target.kind === 'name') checkName(s.target.id, s.line, scope);
        else checkTarget(s.target, scope);
        break;
      case 'if':
        checkExpr(s.test, scope);
        checkBody(s.body, scope);
        checkBody(s.orelse, scope);
        break;
      case 'def': {
        checkParams(s.params, scope);
        const inner: ScopeNames = { names: boundNames(s.body, new Set(s.params.map((p) => p.name))), parent: scope };
        checkBody(s.body, inner);
        break;
      }
      case 'pass':
        break;
    }
  }
}

/** Validate a code block; returns the names it binds at module level. */
export function checkModule(module: Module): ReadonlySet<string> {
  const names = boundNames(module.body);
  checkBody(module.body, { names, parent: null });
  return names;
}

/** Validate a single expression (eval mode: only built-ins are in scope). */
export function checkExpression(expr: Expr): void {
  checkExpr(expr, { names: new Set(), parent: null });
}
