/**
 * Reading `dy__eval` specifications out of the tree, and the static pass that compiles every snippet of a
 * meta-configuration before any job is materialised (so bad Python is reported with its YAML path and
 * nothing runs).
 */
import { IssueError, joinPath } from './issues.js';
import { SnippetError, compileSnippet, type CompiledSnippet } from './python/snippet.js';
import { type PyValue, isDict, isList, pyTypeName } from './value.js';

export interface EvalSpec {
  expression: string;
  functionOfInterest: string | null;
  /** YAML path of the dy__eval value (or of the inline string). */
  path: string;
  /** YAML path of the expression text (for line numbers). */
  expressionPath: string;
}

export const INLINE_EVAL_RE = /dy__eval\((.*)\)/;

/** Parse `{dy__eval: spec}`'s spec: a string, or `{expression, function_of_interest}`. Throws IssueError. */
export function readEvalSpec(spec: PyValue, path: string): EvalSpec {
  if (typeof spec === 'string') return { expression: spec, functionOfInterest: null, path, expressionPath: path };
  if (!isDict(spec)) {
    throw new IssueError({ code: 'eval.spec_type', path, message: `dy__eval must be a string or {expression, function_of_interest}, not ${pyTypeName(spec)}` });
  }
  for (const k of spec.keys()) {
    if (k !== 'expression' && k !== 'function_of_interest') {
      throw new IssueError({ code: 'eval.spec_type', path: joinPath(path, k), message: `unknown key '${k}' in a dy__eval specification (expected expression, function_of_interest)` });
    }
  }
  const expression = spec.get('expression');
  if (typeof expression !== 'string') {
    throw new IssueError({ code: 'eval.spec_type', path: joinPath(path, 'expression'), message: "dy__eval needs 'expression' (a string of Python)" });
  }
  const foi = spec.get('function_of_interest') ?? null;
  if (foi !== null && typeof foi !== 'string') {
    throw new IssueError({ code: 'eval.spec_type', path: joinPath(path, 'function_of_interest'), message: 'function_of_interest must be a string' });
  }
  return { expression, functionOfInterest: foi, path, expressionPath: joinPath(path, 'expression') };
}

export function readInlineSpec(text: string, path: string): EvalSpec {
  const m = INLINE_EVAL_RE.exec(text);
  if (m === null) {
    throw new IssueError({ code: 'eval.inline_form', path, message: 'a string containing "dy__eval(" must have the form dy__eval(<expression>) on one line' });
  }
  return { expression: m[1] as string, functionOfInterest: null, path, expressionPath: path };
}

/** Compile a spec; a SnippetError becomes an IssueError carrying the snippet line. */
export function compileSpec(spec: EvalSpec): CompiledSnippet {
  try {
    return compileSnippet(spec.expression, spec.functionOfInterest);
  } catch (e) {
    if (e instanceof SnippetError) {
      throw new IssueError(
        { code: e.code, path: spec.expressionPath, message: `${e.message}${e.line !== undefined ? ` (snippet line ${e.line})` : ''}` },
        e.line,
      );
    }
    throw e;
  }
}

/** Visit every snippet in a tree (dy__eval keys, inline strings), including inside swept values. */
export function scanSnippets(tree: PyValue, path: string, report: (e: IssueError) => void): void {
  const visit = (v: PyValue, p: string): void => {
    if (isDict(v)) {
      for (const [k, x] of v) {
        const kp = joinPath(p, k);
        if (k === 'dy__eval') {
          try {
            compileSpec(readEvalSpec(x, kp));
          } catch (e) {
            if (e instanceof IssueError) report(e);
            else throw e;
          }
        } else visit(x, kp);
      }
    } else if (isList(v)) {
      v.forEach((x, i) => visit(x, joinPath(p, i)));
    } else if (typeof v === 'string' && v.includes('dy__eval(')) {
      try {
        compileSpec(readInlineSpec(v, p));
      } catch (e) {
        if (e instanceof IssueError) report(e);
        else throw e;
      }
    }
  };
  visit(tree, path);
}
