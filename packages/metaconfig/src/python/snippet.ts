/**
 * `dypy.eval` semantics over the interpreter: a snippet is (1) a dotted import path of a known helper
 * (`meta_configurations.change_name`), else (2) a Python expression (`lambda conf: ...`), else (3) a code
 * block from which `function_of_interest` is taken. Compilation validates everything statically; a
 * compiled snippet is cached by its text and instantiated afresh for each call (as dysweep re-evaluates).
 */
import { type CallContext, PyCallable, PyError, PyTuple, type PyValue } from '../value.js';
import type { Expr, Module } from './ast.js';
import { PySyntaxError, UnsupportedConstructError } from './errors.js';
import { DEFAULT_LIMITS, type Limits, Runtime, Scope, evalExpr, execModule } from './interpreter.js';
import { KNOWN_MODULE_NAMES, MODULES } from './modules.js';
import { parseExpression, parseModule } from './parser.js';
import { StaticCheckError, checkExpression, checkModule } from './static-check.js';

export type SnippetErrorCode = 'eval.syntax' | 'eval.unsupported' | 'eval.unknown_import' | 'eval.unknown_name' | 'eval.missing_function';

export class SnippetError extends Error {
  constructor(
    readonly code: SnippetErrorCode,
    message: string,
    /** 1-based line inside the snippet. */
    readonly line?: number,
  ) {
    super(message);
  }
}

export interface CompiledSnippet {
  /** What the snippet resolves to, for messages and sweep info. */
  readonly description: string;
  /** Produce the snippet's value (normally a callable) in a fresh namespace. */
  instantiate(rt: Runtime): PyValue;
}

const DOTTED = /^\s*([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)\s*$/;

function compileDotted(m: RegExpExecArray, text: string): CompiledSnippet {
  const [, head, rest] = m;
  const module = MODULES.get(head as string);
  if (module === undefined) {
    throw new SnippetError('eval.unknown_import', `'${text.trim()}' names no known helper (known modules: ${KNOWN_MODULE_NAMES.join(', ')})`);
  }
  const attrs = (rest as string).slice(1).split('.');
  if (attrs.length !== 1 || !module.members.has(attrs[0] as string)) {
    throw new SnippetError('eval.unknown_import', `module '${head}' has no member '${attrs.join('.')}' (it has: ${[...module.members.keys()].join(', ')})`);
  }
  const value = module.members.get(attrs[0] as string) as PyValue;
  return { description: text.trim(), instantiate: () => value };
}

function compileExpression(expr: Expr, text: string): CompiledSnippet {
  try {
    checkExpression(expr);
  } catch (e) {
    throw toSnippetError(e);
  }
  return {
    description: expr.kind === 'lambda' ? 'lambda' : text.trim(),
    instantiate: (rt) => evalExpr(expr, new Scope(null, null), rt),
  };
}

function compileBlock(module: Module, functionOfInterest: string | null): CompiledSnippet {
  let bound: ReadonlySet<string>;
  try {
    bound = checkModule(module);
  } catch (e) {
    throw toSnippetError(e);
  }
  if (functionOfInterest === null) {
    throw new SnippetError('eval.missing_function', 'the snippet is a code block, so function_of_interest must name the function to use');
  }
  if (!bound.has(functionOfInterest)) {
    throw new SnippetError('eval.missing_function', `function_of_interest '${functionOfInterest}' is not defined by the snippet (it defines: ${[...bound].join(', ') || 'nothing'})`);
  }
  return {
    description: functionOfInterest,
    instantiate: (rt) => execModule(module, rt).vars.get(functionOfInterest) ?? null,
  };
}

function toSnippetError(e: unknown): SnippetError {
  if (e instanceof SnippetError) return e;
  // A last guard: reading and checking recurse per level, and the nesting limits are meant to stop them first.
  if (e instanceof RangeError && /call stack/i.test(e.message)) return new SnippetError('eval.syntax', 'not valid Python here: the snippet nests too deeply to read');
  if (e instanceof UnsupportedConstructError) return new SnippetError('eval.unsupported', e.message, e.line);
  if (e instanceof PySyntaxError) return new SnippetError('eval.syntax', `not valid Python: ${e.message}`, e.line);
  if (e instanceof StaticCheckError) return new SnippetError(e.code, e.message, e.line);
  throw e;
}

// Keyed by the expression string itself (the same string object on every job, so its hash is cached).
const cache = new Map<string, Map<string | null, CompiledSnippet | SnippetError>>();

/** Compile (and statically validate) a snippet; throws `SnippetError`. */
export function compileSnippet(expression: string, functionOfInterest: string | null): CompiledSnippet {
  let byFunction = cache.get(expression);
  if (byFunction === undefined) {
    if (cache.size > 10_000) cache.clear();
    byFunction = new Map();
    cache.set(expression, byFunction);
  }
  let hit = byFunction.get(functionOfInterest);
  if (hit === undefined) {
    try {
      hit = compileUncached(expression, functionOfInterest);
    } catch (e) {
      hit = toSnippetError(e);
    }
    byFunction.set(functionOfInterest, hit);
  }
  if (hit instanceof SnippetError) throw hit;
  return hit;
}

function compileUncached(expression: string, functionOfInterest: string | null): CompiledSnippet {
  const dotted = DOTTED.exec(expression);
  if (dotted) return compileDotted(dotted, expression);
  let expr: Expr | null = null;
  try {
    expr = parseExpression(expression);
  } catch (e) {
    // Not an expression: like dypy, fall back to reading it as a code block.
    if (!(e instanceof PySyntaxError)) throw e;
  }
  if (expr !== null) return compileExpression(expr, expression);
  return compileBlock(parseModule(expression), functionOfInterest);
}

/**
 * Instantiate a compiled snippet and call it. Throws `PyError` on any Python-level failure; `shared` (an
 * expansion's budget) is charged every step as well, and may throw its own error.
 */
export function callSnippet(snippet: CompiledSnippet, args: PyValue[], limits: Limits = DEFAULT_LIMITS, shared?: CallContext): PyValue {
  const rt = new Runtime(limits, shared);
  const f = snippet.instantiate(rt);
  if (!(f instanceof PyCallable)) {
    throw new PyError('TypeError', `the snippet '${snippet.description}' does not evaluate to a function`);
  }
  const result = f.call(args, new Map(), rt);
  shared?.charge(countValues(result, snippet));
  return result;
}

/** The most values a snippet's result may hold (a list held twice counted twice). */
export const MAX_RESULT_VALUES = 2_000_000;

/**
 * The values a result holds, a list held twice counted twice: the config is copied and written out that way.
 * `[[0]*10**4]*10**4` is cheap to build (one list, referenced 10^4 times) but 10^8 values to write.
 */
function countValues(result: PyValue, snippet: CompiledSnippet): number {
  const stack: PyValue[] = [result];
  let count = 0;
  while (stack.length > 0) {
    const v = stack.pop() as PyValue;
    if (++count > MAX_RESULT_VALUES) {
      throw new PyError('MemoryError', `the result of '${snippet.description}' holds more than ${MAX_RESULT_VALUES} values (a list held several times counts each time)`);
    }
    // Loops, not push(...v): a list may be longer than a call's argument limit.
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v instanceof Map) for (const x of v.values()) stack.push(x);
    else if (v instanceof PyTuple) for (const x of v.items) stack.push(x);
  }
  return count;
}
