/**
 * Creation-time flattening of the sweep tree (docs/metaconfig-notes.md §1.5.1): every mapping with a `sweep` key,
 * found depth-first in document order, becomes one flat entry keyed by its path; everything else is the "remaining
 * bunch" (applied to every run), in which lists become `{__IDX__0: ...}` mappings exactly as in dysweep.
 * Swept nodes are validated here; problems are collected, not thrown.
 */
import { IDX_PREFIX, joinPath } from './issues.js';
import { isModelReference } from './reserved-words.js';
import type { MetaConfigIssue } from './types.js';
import { type PyDict, type PyValue, isDict, isList } from './value.js';

export interface SweptNode {
  /** Path segments from the tree root (`__IDX__<i>` for list positions), as dysweep keys them. */
  segments: string[];
  /** YAML path of the swept mapping. */
  yamlPath: string;
  identifier?: string;
  /** `values` (possibly with aliases) or a single constant `value`. */
  values: PyValue[];
  aliases?: string[];
  constant: boolean;
}

export interface FlattenedTree {
  swept: SweptNode[];
  remaining: PyDict;
}

const SWEPT_NODE_KEYS = new Set(['sweep', 'values', 'value', 'sweep_identifier', 'sweep_alias']);
const DISTRIBUTION_KEYS = new Set(['distribution', 'min', 'max', 'mu', 'sigma', 'q', 'probabilities']);

export interface IssueSink {
  error(issue: MetaConfigIssue): void;
  warn(issue: MetaConfigIssue): void;
}

export function flattenSweepTree(tree: PyDict, treePath: string, origins: WeakMap<object, string>, sink: IssueSink): FlattenedTree {
  const swept: SweptNode[] = [];
  if (tree.has('sweep')) {
    sink.error({
      code: 'sweep.root_is_swept',
      path: joinPath(treePath, 'sweep'),
      message: 'the sweep tree itself cannot be a swept node; put `sweep: true` on the mapping of the key you want to sweep',
    });
    return { swept, remaining: new Map() };
  }

  const addSwept = (node: PyDict, segments: string[], yamlPath: string) => {
    const entry = readSweptNode(node, segments, yamlPath, sink);
    if (entry !== undefined) swept.push(entry);
  };

  const walk = (node: PyDict | PyValue[], segments: string[], yamlPath: string): PyDict => {
    const rem: PyDict = new Map();
    origins.set(rem, yamlPath);
    if (isList(node)) {
      node.forEach((val, idx) => {
        const key = `${IDX_PREFIX}${idx}`;
        const p = joinPath(yamlPath, idx);
        if (isDict(val) && val.has('sweep')) addSwept(val, [...segments, key], p);
        else if (isDict(val) || isList(val)) rem.set(key, walk(val, [...segments, key], p));
        else rem.set(key, val);
      });
      return rem;
    }
    checkUpsertList(node, yamlPath, sink);
    for (const [key, val] of node) {
      const p = joinPath(yamlPath, key);
      if (isDict(val) && val.has('sweep')) addSwept(val, [...segments, key], p);
      else if (isList(val) && val.includes('sweep')) {
        // Q15: dysweep tests `'sweep' in value` on lists too and then crashes.
        sink.error({
          code: 'sweep.list_contains_sweep',
          path: p,
          quirk: 'Q15',
          message: `the list under '${key}' contains the string 'sweep'; dysweep mistakes it for a swept node and crashes at creation`,
        });
      } else if (isDict(val) || isList(val)) rem.set(key, walk(val, [...segments, key], p));
      else rem.set(key, val);
    }
    return rem;
  };

  const remaining = walk(tree, [], treePath);
  return { swept, remaining };
}

function checkUpsertList(node: PyDict, yamlPath: string, sink: IssueSink): void {
  const ups = node.get('dy__upsert');
  if (isList(ups) && ups.length >= 11) {
    sink.warn({
      code: 'upsert.lexicographic_order',
      path: joinPath(yamlPath, 'dy__upsert'),
      quirk: 'Q5',
      message: `this dy__upsert list has ${ups.length} items; as dysweep does, they are applied in lexicographic order of their positions (0, 1, 10, 2, ...)`,
    });
  }
  const ops = node.get('dy__list__operations');
  if (ops !== undefined) checkNonSweptListOps(ops, joinPath(yamlPath, 'dy__list__operations'), sink);
}

/** Q7: in non-swept content, `[i, v]` pairs become `__IDX__` mappings and dysweep fails; bare `dy__insert: i` always fails. */
function checkNonSweptListOps(ops: PyValue, path: string, sink: IssueSink): void {
  if (!isList(ops)) return;
  ops.forEach((op, j) => {
    if (!isDict(op)) return;
    for (const [name, arg] of op) {
      const p = joinPath(joinPath(path, j), name);
      if ((name === 'dy__insert' || name === 'dy__overwrite') && isList(arg)) {
        sink.error({
          code: 'upsert.list_op_unsupported',
          path: p,
          quirk: 'Q7',
          message: `the [index, value] form of ${name} does not work in non-swept content (dysweep turns the pair into a mapping and fails); put the operation inside a swept value, or use dy__remove`,
        });
      } else if (name === 'dy__insert' && typeof arg === 'number') {
        sink.error({
          code: 'upsert.list_op_unsupported',
          path: p,
          quirk: 'Q7',
          message: 'bare-index dy__insert leaves the reserved key in the result and always fails in dysweep; write dy__insert: [index, value]',
        });
      }
    }
  });
}

function readSweptNode(node: PyDict, segments: string[], yamlPath: string, sink: IssueSink): SweptNode | undefined {
  let ok = true;
  const err = (code: string, key: string | null, message: string, quirk?: string) => {
    ok = false;
    sink.error({ code, path: key === null ? yamlPath : joinPath(yamlPath, key), message, ...(quirk ? { quirk } : {}) });
  };
  const flag = node.get('sweep');
  if (flag === false || flag === null || flag === 0 || flag === '') {
    sink.warn({
      code: 'sweep.false_still_sweeps',
      path: joinPath(yamlPath, 'sweep'),
      quirk: 'Q1',
      message: `'sweep: ${String(flag)}' still sweeps: only the presence of the key counts`,
    });
  }
  for (const key of node.keys()) {
    if (SWEPT_NODE_KEYS.has(key)) continue;
    if (DISTRIBUTION_KEYS.has(key)) {
      err('sweep.unsupported_key', key, `'${key}' belongs to W&B's random/bayes search; only grid sweeps over 'values' (or a constant 'value') are supported`);
    } else {
      err('sweep.unknown_key', key, `unknown key '${key}' in a swept node (allowed: sweep, values, value, sweep_identifier, sweep_alias)`);
    }
  }
  const hasValues = node.has('values');
  const hasValue = node.has('value');
  let values: PyValue[] = [];
  if (hasValues && hasValue) err('sweep.ambiguous', null, "a swept node has both 'values' and 'value'; keep one");
  if (!hasValues && !hasValue) {
    err('sweep.empty', null, "a swept node has neither 'values' nor 'value' (a dangling `sweep: True` item?); W&B cannot accept an empty parameter");
  } else if (hasValues) {
    const v = node.get('values') as PyValue;
    if (!isList(v)) err('sweep.values_type', 'values', "'values' must be a list");
    else if (v.length === 0) err('sweep.empty', 'values', "'values' is an empty list; a grid needs at least one value");
    else values = v;
  } else {
    values = [node.get('value') as PyValue];
  }
  const identifier = node.get('sweep_identifier');
  if (identifier !== undefined && (typeof identifier !== 'string' || identifier === '')) {
    err('sweep.identifier_type', 'sweep_identifier', 'sweep_identifier must be a non-empty string');
  }
  let aliases: string[] | undefined;
  if (node.has('sweep_alias')) {
    const a = node.get('sweep_alias') as PyValue;
    if (!hasValues) err('sweep.alias_without_values', 'sweep_alias', "sweep_alias needs 'values' to alias");
    else if (!isList(a) || a.some((x) => typeof x !== 'string')) {
      err('sweep.alias_type', 'sweep_alias', 'sweep_alias must be a list of strings (numbers are never decoded back)');
    } else if (a.length < values.length) {
      err('sweep.alias_length', 'sweep_alias', `sweep_alias has ${a.length} entries but values has ${values.length}; every value needs an alias`);
    } else {
      aliases = (a as string[]).slice(0, values.length);
    }
  }
  // Swept nodes written inside a value are not expanded (values are opaque) and end up in the config.
  values.forEach((v, i) => {
    const valuePath = hasValues ? joinPath(joinPath(yamlPath, 'values'), i) : joinPath(yamlPath, 'value');
    checkNestedSweep(v, valuePath, sink, () => (ok = false));
  });
  if (!ok) return undefined;
  return {
    segments,
    yamlPath,
    values,
    constant: !hasValues,
    ...(typeof identifier === 'string' ? { identifier } : {}),
    ...(aliases ? { aliases } : {}),
  };
}

function checkNestedSweep(v: PyValue, path: string, sink: IssueSink, fail: () => void): void {
  const clean = path;
  if (isModelReference(v)) return; // {sweep, job}: a model reference, not a nested sweep
  if (isDict(v)) {
    for (const key of ['sweep', 'sweep_identifier', 'sweep_alias']) {
      if (v.has(key)) {
        fail();
        sink.error({
          code: 'sweep.nested_in_value',
          path: joinPath(clean, key),
          message: `'${key}' inside a swept value is not expanded (values are opaque); dysweep copies it into the config and the run fails. Sweep it at the top level of the tree instead`,
        });
        return;
      }
    }
    for (const [k, x] of v) checkNestedSweep(x, joinPath(clean, k), sink, fail);
  } else if (isList(v)) v.forEach((x, i) => checkNestedSweep(x, joinPath(clean, i), sink, fail));
}
