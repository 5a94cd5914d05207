/**
 * Loads a meta-configuration the way dysweep reads it: PyYAML's YAML 1.1 safe loader as configured by
 * jsonargparse (timestamps stay strings; `1e-3` without a dot is a float). Scalars are resolved here, from
 * their source text, so that `yes`/`on` are booleans, `010` is octal, `1:30` is 90, and `1.0` stays a
 * float. The `yaml` package only provides the syntax tree (failsafe schema: every scalar is text).
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, Scalar, type Document, type Node } from 'yaml';
import { DOCUMENT_PATH, issue, joinPath } from './issues.js';
import type { MetaConfigIssue } from './types.js';
import { PyFloat, type PyValue } from './value.js';

export interface SourceLocation {
  /** 1-based line of the node (for a mapping value: the line of its key). */
  line: number;
  /** For block scalars (`|`, `>`): the line where the content starts. */
  contentLine?: number;
}

export interface LoadedSource {
  value: PyValue | undefined;
  issues: MetaConfigIssue[];
  /** YAML path → location, for every node. */
  locations: Map<string, SourceLocation>;
  /** Container object → its YAML path (lets the upsert engine name where a patch came from). */
  origins: WeakMap<object, string>;
}

/**
 * Refuse documents nested deeper than this: no config is, and everything that handles one after this reader (the
 * merge, JSON, PostgreSQL's jsonb) recurses once per level, on stacks of their own size.
 */
export const MAX_NESTING = 256;
/** Refuse documents whose aliases would expand to more nodes than this (a "billion laughs" file). */
const MAX_NODES = 1_000_000;
/**
 * Refuse documents whose aliases would expand to more scalar text than this: a few aliases of one large scalar
 * stay under any node count while multiplying memory (a 1 MB string aliased 100 times is 100 MB per job).
 */
export const MAX_EXPANDED_TEXT_BYTES = 32 * 1024 * 1024;

const NULL_RE = /^(?:~|null|Null|NULL|)$/;
const BOOL_RE = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const TRUE_WORDS = new Set(['yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
// PyYAML's float resolver, then its int resolver, then the scientific-notation resolver jsonargparse adds.
const FLOAT_PYYAML_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const INT_RE = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT_JSONARGPARSE_RE =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

const TAG = 'tag:yaml.org,2002:';

class ScalarError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** PyYAML's construct_yaml_int. */
export function constructInt(text: string): number {
  let v = text.replace(/_/g, '');
  let sign = 1;
  if (v.startsWith('-')) sign = -1;
  if (v.startsWith('-') || v.startsWith('+')) v = v.slice(1);
  let n: number;
  if (v === '0') n = 0;
  else if (v.startsWith('0b')) n = parseDigits(v.slice(2), 2);
  else if (v.startsWith('0x')) n = parseDigits(v.slice(2), 16);
  else if (v.startsWith('0')) n = parseDigits(v, 8);
  else if (v.includes(':')) n = sexagesimal(v);
  else n = parseDigits(v, 10);
  if (!Number.isSafeInteger(n)) {
    throw new ScalarError('yaml.int_out_of_range', `the integer ${text} is outside the supported range (|n| < 2^53)`);
  }
  return sign * n;
}

function parseDigits(s: string, radix: number): number {
  const valid = radix === 2 ? /^[01]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 16 ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/;
  if (!valid.test(s)) throw new ScalarError('yaml.bad_scalar', `invalid base-${radix} integer ${JSON.stringify(s)}`);
  // parseInt is exact up to 2^53; beyond that the caller rejects the value anyway.
  return parseInt(s, radix);
}

function sexagesimal(v: string): number {
  let value = 0;
  for (const part of v.split(':')) value = value * 60 + Number(part);
  return value;
}

/** PyYAML's construct_yaml_float. */
export function constructFloat(text: string): number {
  let v = text.replace(/_/g, '').toLowerCase();
  let sign = 1;
  if (v.startsWith('-')) sign = -1;
  if (v.startsWith('-') || v.startsWith('+')) v = v.slice(1);
  if (v === '.inf') return sign * Infinity;
  if (v === '.nan') return NaN;
  if (v.includes(':')) return sign * sexagesimal(v);
  const n = Number(v);
  if (Number.isNaN(n)) throw new ScalarError('yaml.bad_scalar', `invalid float ${JSON.stringify(text)}`);
  return sign * n;
}

/** Implicit resolution of a plain scalar under YAML 1.1 (PyYAML + jsonargparse). */
export function resolvePlainYaml11(text: string): PyValue {
  if (NULL_RE.test(text)) return null;
  if (BOOL_RE.test(text)) return TRUE_WORDS.has(text);
  if (FLOAT_PYYAML_RE.test(text)) return new PyFloat(constructFloat(text));
  if (INT_RE.test(text)) return constructInt(text);
  if (FLOAT_JSONARGPARSE_RE.test(text)) return new PyFloat(constructFloat(text));
  if (text === '=') {
    throw new ScalarError('yaml.bad_scalar', "the plain scalar '=' is YAML 1.1's value tag, which the safe loader refuses");
  }
  return text;
}

function resolvePlainJson(text: string): PyValue {
  if (text === 'null') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(?:0|[1-9][0-9]*)$/.test(text)) {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) {
      throw new ScalarError('yaml.int_out_of_range', `the integer ${text} is outside the supported range (|n| < 2^53)`);
    }
    return n;
  }
  if (/^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/.test(text)) return new PyFloat(Number(text));
  throw new ScalarError('yaml.bad_scalar', `invalid JSON value ${JSON.stringify(text)}`);
}

function resolveTagged(tag: string, text: string): PyValue {
  switch (tag) {
    case `${TAG}str`:
      return text;
    case `${TAG}null`:
      if (!NULL_RE.test(text)) throw new ScalarError('yaml.bad_scalar', `!!null applied to ${JSON.stringify(text)}`);
      return null;
    case `${TAG}bool`:
      if (!BOOL_RE.test(text)) throw new ScalarError('yaml.bad_scalar', `!!bool applied to ${JSON.stringify(text)}`);
      return TRUE_WORDS.has(text);
    case `${TAG}int`:
      if (!INT_RE.test(text)) throw new ScalarError('yaml.bad_scalar', `!!int applied to ${JSON.stringify(text)}`);
      return constructInt(text);
    case `${TAG}float`:
      return new PyFloat(constructFloat(text));
    default:
      throw new ScalarError('yaml.unsupported_tag', `the tag ${tag} is not supported (only !!str, !!int, !!float, !!bool, !!null)`);
  }
}

export function loadSource(source: string, format: 'yaml' | 'json' = 'yaml'): LoadedSource {
  const issues: MetaConfigIssue[] = [];
  const locations = new Map<string, SourceLocation>();
  const origins = new WeakMap<object, string>();
  const lc = new LineCounter();
  const lineOf = (offset: number | undefined): number | undefined =>
    offset === undefined ? undefined : lc.linePos(offset).line;

  if (format === 'json') {
    try {
      JSON.parse(source);
    } catch (e) {
      const message = (e as Error).message;
      const pos = /position (\d+)/.exec(message);
      const line = pos ? source.slice(0, Number(pos[1])).split('\n').length : 1;
      issues.push({ ...issue('json.syntax', DOCUMENT_PATH, `invalid JSON: ${message}`), line });
      return { value: undefined, issues, locations, origins };
    }
  }

  const docs = parseAllDocuments(source, { schema: 'failsafe', uniqueKeys: false, lineCounter: lc, merge: false });
  const docList: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    // An empty stream yields an EmptyStream object.
    return { value: null, issues, locations, origins };
  }
  if (docList.length > 1) {
    const second = docList[1];
    const line = lineOf(second?.range[0]);
    issues.push({
      ...issue('yaml.multiple_documents', DOCUMENT_PATH, 'the file holds more than one YAML document; a meta-configuration is exactly one'),
      ...(line !== undefined ? { line } : {}),
    });
  }
  const doc = docList[0];
  if (doc === undefined) return { value: null, issues, locations, origins };
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line;
    // The reader recurses once per level: thousands of nested brackets overflow its stack, which it reports as an error.
    const first = (err.message.split('\n')[0] ?? err.message).replace(/^Maximum call stack size exceeded/, 'nested too deeply to read');
    issues.push({
      ...issue('yaml.syntax', DOCUMENT_PATH, `YAML syntax error: ${first}`),
      ...(line !== undefined ? { line } : {}),
    });
  }
  if (issues.length > 0) return { value: undefined, issues, locations, origins };

  // Count what aliases would expand to before converting anything (a "billion laughs" file, or aliases of one
  // huge scalar, is refused early): nodes, and the characters of scalar text.
  type Size = { nodes: number; text: number };
  const sizes = new Map<unknown, Size>();
  const add = (a: Size, b: Size): Size => ({ nodes: Math.min(a.nodes + b.nodes, Number.MAX_SAFE_INTEGER), text: Math.min(a.text + b.text, Number.MAX_SAFE_INTEGER) });
  const sizeOf = (node: unknown, stack: Set<unknown>, depth = 0): Size => {
    // Deeper than MAX_NESTING is refused by the converter, with its path; counting stops there.
    if (node === null || node === undefined || typeof node !== 'object' || depth > MAX_NESTING) return { nodes: 1, text: 0 };
    const known = sizes.get(node);
    if (known !== undefined) return known;
    if (stack.has(node)) return { nodes: 1, text: 0 }; // a cycle is reported by the converter
    stack.add(node);
    let n: Size = { nodes: 1, text: 0 };
    if (isAlias(node)) n = sizeOf(node.resolve(doc), stack, depth);
    else if (isScalar(node)) n = { nodes: 1, text: typeof node.value === 'string' ? node.value.length : 8 };
    else if (isSeq(node)) for (const item of node.items) n = add(n, sizeOf(item, stack, depth + 1));
    else if (isMap(node)) for (const pair of node.items) n = add(n, add(sizeOf(pair.key, stack, depth + 1), sizeOf(pair.value, stack, depth + 1)));
    stack.delete(node);
    sizes.set(node, n);
    return n;
  };
  const tooLarge = (size: Size) => size.nodes > MAX_NODES || size.text > MAX_EXPANDED_TEXT_BYTES;
  const total = sizeOf(doc.contents, new Set());
  if (tooLarge(total)) {
    let path = '';
    let offset: number | undefined;
    if (isMap(doc.contents)) {
      for (const pair of doc.contents.items) {
        const size = sizeOf(pair.value, new Set());
        if ((size.nodes > MAX_NODES / 2 || size.text > MAX_EXPANDED_TEXT_BYTES / 2) && isScalar(pair.key)) {
          path = String(pair.key.value);
          offset = pair.key.range?.[0];
          break;
        }
      }
    }
    const line = lineOf(offset);
    const message =
      total.nodes > MAX_NODES
        ? `the document expands to more than ${MAX_NODES} nodes (aliases expanding exponentially?)`
        : `the document expands to ${total.text} characters of text, more than ${MAX_EXPANDED_TEXT_BYTES} (aliases of a large value?)`;
    issues.push({ ...issue('yaml.too_large', path === '' ? DOCUMENT_PATH : path, message), ...(line !== undefined ? { line } : {}) });
    return { value: undefined, issues, locations, origins };
  }

  let nodes = 0;
  const resolving = new Set<Node>();
  const resolvePlain = format === 'json' ? resolvePlainJson : resolvePlainYaml11;

  const fail = (code: string, path: string, message: string, offset?: number): undefined => {
    const line = lineOf(offset);
    issues.push({ ...issue(code, path === '' ? DOCUMENT_PATH : path, message), ...(line !== undefined ? { line } : {}) });
    return undefined;
  };

  const convertScalar = (node: Scalar, path: string): PyValue | undefined => {
    const text = typeof node.value === 'string' ? node.value : String(node.value ?? '');
    const tag = node.tag;
    try {
      if (tag === '!') return text; // the non-specific tag forces a string
      if (tag !== undefined) return resolveTagged(tag, text);
      if (node.type === Scalar.PLAIN) return resolvePlain(text);
      return text;
    } catch (e) {
      if (e instanceof ScalarError) return fail(e.code, path, e.message, node.range?.[0]);
      throw e;
    }
  };

  let tooDeep = false;
  const convert = (node: unknown, path: string, keyOffset?: number, depth = 0): PyValue | undefined => {
    if (depth > MAX_NESTING) {
      if (tooDeep) return undefined;
      tooDeep = true;
      return fail('yaml.too_deep', path, `the document nests more than ${MAX_NESTING} levels deep here`, keyOffset ?? (node as Node | null)?.range?.[0]);
    }
    if (++nodes > MAX_NODES) {
      if (nodes === MAX_NODES + 1) {
        fail('yaml.too_large', path, `the document expands to more than ${MAX_NODES} nodes (aliases expanding exponentially?)`);
      }
      return undefined;
    }
    if (node === null || node === undefined) {
      locations.set(path, { line: lineOf(keyOffset) ?? 1 });
      return null;
    }
    if (isAlias(node)) {
      const target = node.resolve(doc);
      if (target === undefined) return fail('yaml.bad_alias', path, `unknown alias *${node.source}`, node.range?.[0]);
      if (resolving.has(target)) return fail('yaml.bad_alias', path, `the alias *${node.source} refers to itself`, node.range?.[0]);
      resolving.add(target);
      try {
        return convert(target, path, keyOffset ?? node.range?.[0], depth);
      } finally {
        resolving.delete(target);
      }
    }
    const n = node as Node;
    const start = n.range?.[0];
    const line = lineOf(keyOffset ?? start) ?? 1;
    if (isScalar(n)) {
      const loc: SourceLocation = { line };
      if (n.type === Scalar.BLOCK_LITERAL || n.type === Scalar.BLOCK_FOLDED) {
        loc.contentLine = (lineOf(start) ?? line) + 1;
      }
      locations.set(path, loc);
      return convertScalar(n, path);
    }
    if (n.tag !== undefined && n.tag !== `${TAG}map` && n.tag !== `${TAG}seq`) {
      return fail('yaml.unsupported_tag', path, `the tag ${n.tag} is not supported`, start);
    }
    locations.set(path, { line });
    if (isSeq(n)) {
      const out: PyValue[] = [];
      origins.set(out, path);
      n.items.forEach((item, i) => {
        const v = convert(item, joinPath(path, i), undefined, depth + 1);
        out.push(v === undefined ? null : v);
      });
      return out;
    }
    if (isMap(n)) {
      const out = new Map<string, PyValue>();
      origins.set(out, path);
      for (const pair of n.items) {
        const keyNode = pair.key as Node | null;
        let key: PyValue | undefined;
        const keyStart = keyNode?.range?.[0];
        if (keyNode !== null && isScalar(keyNode)) {
          if (keyNode.type === Scalar.PLAIN && keyNode.value === '<<' && keyNode.tag === undefined && format === 'yaml') {
            fail('yaml.merge_key', joinPath(path, '<<'), 'YAML merge keys (<<) are not supported; write the keys out', keyStart);
            continue;
          }
          key = convertScalar(keyNode, joinPath(path, String(keyNode.value)));
        } else if (keyNode !== null && isAlias(keyNode)) {
          const t = keyNode.resolve(doc);
          key = t !== undefined && isScalar(t) ? convertScalar(t, path) : undefined;
        } else {
          fail('yaml.non_string_key', path, 'mapping keys must be plain strings (complex keys are not supported)', keyStart ?? start);
          continue;
        }
        if (key === undefined) continue;
        if (typeof key !== 'string') {
          const shown = keyNode !== null && isScalar(keyNode) ? String(keyNode.value) : String(key);
          fail(
            'yaml.non_string_key',
            joinPath(path, shown),
            `the key ${JSON.stringify(shown)} is read as a ${key === null ? 'null' : typeof key === 'boolean' ? 'boolean' : 'number'} by YAML 1.1; mapping keys must be strings (quote it)`,
            keyStart,
          );
          continue;
        }
        const childPath = joinPath(path, key);
        if (out.has(key)) {
          fail('yaml.duplicate_key', childPath, `the key ${JSON.stringify(key)} appears twice in the same mapping`, keyStart);
          continue;
        }
        const v = convert(pair.value, childPath, keyStart, depth + 1);
        out.set(key, v === undefined ? null : v);
      }
      return out;
    }
    return fail('yaml.unsupported_node', path, 'unsupported YAML node', start);
  };

  const value = convert(doc.contents, '');
  return { value: value === undefined ? null : value, issues, locations, origins };
}
