/**
 * The upsert algorithm of docs/metaconfig-notes.md §1.8: merge a patch into the configuration being built. `root` is
 * mutated in place so that later `dy__eval` snippets see earlier writes; patches are never mutated (each job is a
 * pure function of the meta-configuration, unlike dysweep — quirk Q9). Every failure becomes an
 * `IssueError` naming the YAML path of the patch and the config path it was applied to.
 */
import { compareCodePoints, sortedKeys } from './canonical-json.js';
import { IDX_PREFIX, IssueError, joinPath } from './issues.js';
import { SWEEP_GROUP_PREFIX } from './reserved-words.js';
import type { MetaConfigIssue } from './types.js';
import { type PyDict, type PyList, PyTuple, type PyValue, deepCopy, isDict, isList, pyTypeName } from './value.js';

/** Evaluates snippets on behalf of the engine (compilation, budget and error reporting live outside). */
export interface SnippetRunner {
  /** `{dy__eval: spec}` where spec is a string or `{expression, function_of_interest}`, called with `arg`. */
  evaluate(spec: PyValue, arg: PyValue, specPath: string): PyValue;
  /** Inline `"... dy__eval(<expr>) ..."`: `<expr>(current)`. */
  inline(text: string, current: PyValue, path: string): PyValue;
}

export interface UpsertOptions {
  runner: SnippetRunner;
  origins: WeakMap<object, string>;
  /** Replicate dysweep's `{}` → `[]` for freshly created empty mappings (Q3); default keeps `{}`. */
  strictCompat: boolean;
  warn(issue: MetaConfigIssue): void;
}

const MAX_MERGE_DEPTH = 500;
const INLINE_EVAL = 'dy__eval(';

function isIdxKey(k: string): boolean {
  return k.startsWith(IDX_PREFIX);
}

function idxOf(k: string): number {
  const n = k.slice(IDX_PREFIX.length);
  return /^\d+$/.test(n) ? Number(n) : NaN;
}

function allIdxKeys(m: PyDict): boolean {
  for (const k of m.keys()) if (!isIdxKey(k)) return false;
  return true;
}

function shown(path: string): string {
  return path === '' ? 'the root of the config' : `config path '${path}'`;
}

export class Upserter {
  /** The configuration being built; snippets receive it as their argument. */
  root: PyDict = new Map();
  private depth = 0;

  constructor(private readonly opts: UpsertOptions) {}

  private fail(code: string, src: string, message: string, quirk?: string): never {
    throw new IssueError({ code, path: src, message, ...(quirk ? { quirk } : {}) });
  }

  private srcOf(v: PyValue, parentSrc: string, key: string | number): string {
    if (v !== null && typeof v === 'object') {
      const o = this.opts.origins.get(v as object);
      if (o !== undefined) return o;
    }
    return joinPath(parentSrc, key);
  }

  /** Apply `patch` to the whole configuration (`root` is mutated and must stay the same object). */
  apply(root: PyDict, patch: PyValue, src: string): PyDict {
    this.root = root;
    const out = this.merge(root, patch, '', src);
    if (out !== root) this.fail('upsert.type_mismatch', src, 'the sweep tree must be a mapping applied to the base mapping');
    return root;
  }

  /** `merge(target, patch)`: the new value of a slot. */
  merge(target: PyValue, patch: PyValue, cfg: string, src: string): PyValue {
    if (++this.depth > MAX_MERGE_DEPTH) {
      this.depth = 0;
      this.fail('upsert.too_deep', src, `merging nests deeper than ${MAX_MERGE_DEPTH} levels (a snippet returning its own dy__eval?)`);
    }
    try {
      if (isList(target)) return this.mergeIntoList(target, patch, cfg, src);
      if (isDict(target)) {
        if (target.size === 0) return this.mergeIntoEmptyMapping(target, patch, cfg, src);
        if (allIdxKeys(target)) return this.mergeIntoList(this.idxMappingToList(target, cfg, src), patch, cfg, src);
        return this.mergeIntoMapping(target, patch, cfg, src);
      }
      return this.mergeIntoScalar(target, patch, cfg, src);
    } finally {
      this.depth--;
    }
  }

  private idxMappingToList(m: PyDict, cfg: string, src: string): PyList {
    const out: PyValue[] = new Array(m.size).fill(null);
    const seen = new Set<number>();
    for (const [k, v] of m) {
      const n = idxOf(k);
      if (!(n >= 0 && n < m.size) || seen.has(n)) {
        this.fail('upsert.bad_index', src, `the list positions at ${shown(cfg)} are not 0..${m.size - 1} (found '${k}')`);
      }
      seen.add(n);
      out[n] = v;
    }
    return out;
  }

  /** Q3: dysweep treats an empty base mapping as an empty list. */
  private mergeIntoEmptyMapping(target: PyDict, patch: PyValue, cfg: string, src: string): PyValue {
    const emptyPatch = (isDict(patch) && patch.size === 0) || (isList(patch) && patch.length === 0) || patch === null || typeof patch !== 'object' || patch instanceof PyTuple;
    if (!emptyPatch) {
      this.fail(
        'upsert.empty_mapping',
        src,
        `the base has an empty mapping {} at ${shown(cfg)}; dysweep treats it as an empty list and fails when upserting into it. Give the base mapping its keys, or replace it from the parent`,
        'Q3',
      );
    }
    if (this.opts.strictCompat) return [];
    this.opts.warn({
      code: 'upsert.empty_mapping_kept',
      path: src,
      quirk: 'Q3',
      message: `dysweep would turn the empty mapping at ${shown(cfg)} into []; it is kept as {} (strict compatibility off)`,
    });
    return target;
  }

  private mergeIntoList(target: PyList, patch: PyValue, cfg: string, src: string): PyValue {
    if (isDict(patch)) {
      if (patch.has('dy__list__operations')) return this.applyListOperations(target, patch, cfg, src);
      const keys = [...patch.keys()];
      const bad = keys.find((k) => !isIdxKey(k) || Number.isNaN(idxOf(k)));
      if (bad !== undefined) {
        this.fail('upsert.type_mismatch', joinPath(src, bad), `a list in the base at ${shown(cfg)} cannot take a mapping with the key '${bad}' (only list positions or dy__list__operations)`);
      }
      // Positions are visited in lexicographic key order, as in dysweep.
      for (const k of keys.sort(compareCodePoints)) {
        const n = idxOf(k);
        if (n >= target.length) {
          this.fail('upsert.index_out_of_range', joinPath(src, k), `position ${n} does not exist in the base list at ${shown(cfg)} (length ${target.length}); lists in non-swept content overwrite position by position`, 'Q4');
        }
        this.applyElement(target, n, patch.get(k) as PyValue, cfg, this.srcOf(patch.get(k) as PyValue, src, k));
      }
      return target;
    }
    if (isList(patch)) {
      if (patch.length !== target.length) {
        this.fail('upsert.list_length', src, `a list of length ${patch.length} cannot be merged into the base list of length ${target.length} at ${shown(cfg)}; lists inside swept values or snippet results must have the base's length`, 'Q4');
      }
      patch.forEach((v, i) => this.applyElement(target, i, v, cfg, this.srcOf(v, src, i)));
      return target;
    }
    return target;
  }

  private applyElement(target: PyList, n: number, v: PyValue, cfg: string, src: string): void {
    const at = joinPath(cfg, n);
    if (isDict(v) && v.has('dy__eval')) {
      this.fail('upsert.list_element_eval', src, `a {dy__eval: ...} mapping directly as a list element (${shown(at)}) crashes dysweep; put the dy__eval on the key that holds the whole list`, 'Q14');
    }
    if (isDict(v) || isList(v)) target[n] = this.merge(target[n] as PyValue, v, at, src);
    else if (typeof v === 'string' && v.includes(INLINE_EVAL)) target[n] = this.opts.runner.inline(v, target[n] as PyValue, src);
    else target[n] = v;
  }

  private applyListOperations(target: PyList, patch: PyDict, cfg: string, src: string): PyValue {
    const opsSrc = this.srcOf(patch.get('dy__list__operations') as PyValue, src, 'dy__list__operations');
    const raw = patch.get('dy__list__operations') as PyValue;
    let ops: PyValue[];
    if (isList(raw)) ops = raw;
    else if (isDict(raw) && allIdxKeys(raw)) ops = this.idxMappingToList(raw, cfg, opsSrc);
    else this.fail('upsert.list_op', opsSrc, 'dy__list__operations must be a list of single-key operations');
    const payload: PyDict = new Map([...patch].filter(([k]) => k !== 'dy__list__operations'));
    ops.forEach((op, j) => {
      const opSrc = this.srcOf(op, opsSrc, j);
      if (!isDict(op) || op.size !== 1) this.fail('upsert.list_op', opSrc, 'each list operation must be a mapping with exactly one key (dy__insert, dy__overwrite or dy__remove)');
      const [name, arg] = [...op][0] as [string, PyValue];
      const argSrc = joinPath(opSrc, name);
      const index = (v: PyValue): number => {
        if (typeof v !== 'number') this.fail('upsert.list_op', argSrc, `the index of ${name} must be an integer, not ${pyTypeName(v)}`);
        return v;
      };
      const pair = (): [number, PyValue] => {
        if (isDict(arg)) {
          this.fail('upsert.list_op_unsupported', argSrc, `the [index, value] form of ${name} does not work in non-swept content (the pair became a mapping); put it inside a swept value`, 'Q7');
        }
        if (!isList(arg) || arg.length !== 2) this.fail('upsert.list_op', argSrc, `${name} expects [index, value]`);
        return [index(arg[0] as PyValue), arg[1] as PyValue];
      };
      const checkIndex = (i: number, len: number): number => {
        const k = i < 0 ? i + len : i;
        if (k < 0 || k >= len) this.fail('upsert.index_out_of_range', argSrc, `${name}: position ${i} does not exist in the list at ${shown(cfg)} (length ${len})`);
        return k;
      };
      switch (name) {
        case 'dy__insert': {
          if (typeof arg === 'number') {
            this.fail('upsert.list_op_unsupported', argSrc, 'bare-index dy__insert leaves the reserved key in the result and always fails in dysweep; write dy__insert: [index, value]', 'Q7');
          }
          const [i, v] = pair();
          if (i === -1) target.push(deepCopy(v));
          else {
            // Python's list.insert: negative positions count from the end, out-of-range ones clamp.
            const at = i < 0 ? Math.max(0, target.length + i) : Math.min(i, target.length);
            target.splice(at, 0, deepCopy(v));
          }
          break;
        }
        case 'dy__overwrite': {
          if (typeof arg === 'number') {
            const k = checkIndex(arg, target.length);
            target[k] = this.merge(target[k] as PyValue, payload, joinPath(cfg, k), src);
          } else {
            const [i, v] = pair();
            target[checkIndex(i, target.length)] = deepCopy(v);
          }
          break;
        }
        case 'dy__remove':
          target.splice(checkIndex(index(arg), target.length), 1);
          break;
        default:
          this.fail('upsert.list_op', argSrc, `unknown list operation '${name}' (expected dy__insert, dy__overwrite or dy__remove)`);
      }
    });
    return target;
  }

  private evalSpecOf(patch: PyDict, src: string): { spec: PyValue; specSrc: string } {
    const spec = patch.get('dy__eval') as PyValue;
    return { spec, specSrc: this.srcOf(spec, src, 'dy__eval') };
  }

  private mergeIntoMapping(target: PyDict, patch: PyValue, cfg: string, src: string): PyValue {
    if (!isDict(patch)) {
      this.fail(
        'upsert.type_mismatch',
        src,
        `a ${pyTypeName(patch)} cannot be merged into the mapping at ${shown(cfg)} (dysweep crashes here); replace the mapping from its parent key instead`,
      );
    }
    if (patch.has('dy__eval')) {
      if (patch.size !== 1) {
        this.fail('upsert.eval_not_sole_key', src, `dy__eval must be the only key of a mapping merged into its parent (found also: ${[...patch.keys()].filter((k) => k !== 'dy__eval').join(', ')})`, 'Q13');
      }
      const { spec, specSrc } = this.evalSpecOf(patch, src);
      if (!isDict(spec)) {
        this.fail('upsert.eval_form', specSrc, 'here dy__eval must be {expression, function_of_interest}: the string form only works as the value of a key');
      }
      const result = this.opts.runner.evaluate(spec, this.root, specSrc);
      return this.merge(target, result, cfg, `${specSrc} (result)`);
    }
    const groups: string[] = [];
    for (const k of sortedKeys(patch)) {
      if (k === 'dy__upsert') continue;
      if (k.startsWith(SWEEP_GROUP_PREFIX)) {
        groups.push(k);
        continue;
      }
      const v = patch.get(k) as PyValue;
      const at = joinPath(cfg, k);
      const vSrc = this.srcOf(v, src, k);
      if (!target.has(k)) target.set(k, null);
      if (isDict(v) && v.has('dy__eval')) {
        const { spec, specSrc } = this.evalSpecOf(v, vSrc);
        if (v.size > 1) {
          this.opts.warn({
            code: 'upsert.eval_extra_keys_ignored',
            path: vSrc,
            quirk: 'Q13',
            message: `keys next to dy__eval are ignored (${[...v.keys()].filter((x) => x !== 'dy__eval').join(', ')})`,
          });
        }
        if (typeof spec === 'string') {
          target.set(k, this.opts.runner.evaluate(spec, this.root, specSrc));
        } else if (isDict(spec)) {
          const result = this.opts.runner.evaluate(spec, this.root, specSrc);
          target.set(k, this.merge(target.get(k) as PyValue, result, at, `${specSrc} (result)`));
        } else {
          this.fail('upsert.eval_form', specSrc, `dy__eval must be a string or {expression, function_of_interest}, not ${pyTypeName(spec)}`);
        }
      } else if (isDict(v) || isList(v)) {
        target.set(k, this.merge(target.get(k) as PyValue, v, at, vSrc));
      } else if (typeof v === 'string' && v.includes(INLINE_EVAL)) {
        target.set(k, this.opts.runner.inline(v, target.get(k) as PyValue, vSrc));
      } else {
        target.set(k, v);
      }
    }
    for (const g of groups) {
      const v = patch.get(g) as PyValue;
      this.merge(target, v, cfg, this.srcOf(v, src, g));
    }
    const ups = patch.get('dy__upsert');
    if (ups !== undefined) {
      const upsSrc = this.srcOf(ups, src, 'dy__upsert');
      let items: [string | number, PyValue][];
      if (isList(ups)) items = ups.map((v, i) => [i, v]);
      else if (isDict(ups)) items = sortedKeys(ups).map((k) => [k, ups.get(k) as PyValue]); // lexicographic (Q5)
      else this.fail('upsert.type_mismatch', upsSrc, `dy__upsert must be a list of patches, not ${pyTypeName(ups)}`);
      for (const [key, item] of items) this.merge(target, item, cfg, this.srcOf(item, upsSrc, key));
    }
    return target;
  }

  private mergeIntoScalar(target: PyValue, patch: PyValue, cfg: string, src: string): PyValue {
    let p = patch;
    if (typeof p === 'string' && p.includes(INLINE_EVAL)) p = this.opts.runner.inline(p, target, src);
    if (isDict(p)) {
      if (p.has('dy__eval')) {
        if (p.size !== 1) {
          this.fail('upsert.eval_not_sole_key', src, `dy__eval must be the only key here (found also: ${[...p.keys()].filter((k) => k !== 'dy__eval').join(', ')})`, 'Q13');
        }
        const { spec, specSrc } = this.evalSpecOf(p, src);
        if (typeof spec === 'string') {
          this.fail(
            'upsert.eval_string_new_parent',
            specSrc,
            `the string form of dy__eval under a key whose parent does not exist in base_config (${shown(cfg)}) fails in dysweep; add the parent to base_config or use {expression, function_of_interest}`,
            'Q8',
          );
        }
        if (!isDict(spec)) this.fail('upsert.eval_form', specSrc, `dy__eval must be {expression, function_of_interest}, not ${pyTypeName(spec)}`);
        const result = this.opts.runner.evaluate(spec, this.root, specSrc);
        return this.merge(target, result, cfg, `${specSrc} (result)`);
      }
      for (const k of p.keys()) {
        if (k === 'dy__upsert' || k === 'dy__list__operations' || k.startsWith(SWEEP_GROUP_PREFIX)) {
          this.fail(
            'upsert.directive_in_new_subtree',
            this.srcOf(p.get(k) as PyValue, src, k),
            `'${k}' only works where base_config already has a mapping/list (${shown(cfg)} does not exist there); dysweep copies it verbatim and the run fails`,
            'Q8',
          );
        }
      }
      const out: PyDict = new Map();
      for (const k of sortedKeys(p)) {
        const v = p.get(k) as PyValue;
        out.set(k, this.merge(null, v, joinPath(cfg, k), this.srcOf(v, src, k)));
      }
      return this.exitRule(out, cfg, src);
    }
    if (isList(p)) return p.map((item, i) => this.merge(null, item, joinPath(cfg, i), this.srcOf(item, src, i)));
    return p;
  }

  /**
   * docs/metaconfig-notes.md §1.8.4: a new mapping whose keys are all list positions becomes a list; `{}` too
   * (Q3, strict mode only).
   */
  private exitRule(out: PyDict, cfg: string, src: string): PyValue {
    if (out.size === 0) {
      if (this.opts.strictCompat) return [];
      this.opts.warn({
        code: 'upsert.empty_mapping_kept',
        path: src,
        quirk: 'Q3',
        message: `dysweep would turn the new empty mapping at ${shown(cfg)} into []; it is kept as {} (strict compatibility off)`,
      });
      return out;
    }
    if (allIdxKeys(out)) return this.idxMappingToList(out, cfg, src);
    return out;
  }
}
