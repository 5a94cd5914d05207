/**
 * dysweep's reserved words (docs/metaconfig-notes.md §1.4). A concrete configuration may contain none of them
 * as a key.
 */
import { joinPath } from './issues.js';
import type { PyValue } from './value.js';

export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'sweep',
  'sweep_identifier',
  'sweep_alias',
  'sweep_group',
  'dy__list__operations',
  'dy__upsert',
  'dy__eval',
  'dy__insert',
  'dy__remove',
  'dy__overwrite',
]);

export const SWEEP_GROUP_PREFIX = 'sweep_group';

/** Path of the first reserved key found depth-first, or undefined when the value is clean. */
export function findReservedWord(v: PyValue, path = ''): { path: string; word: string } | undefined {
  // Runs on every job: segments are collected only on the way back from a hit.
  const segs: (string | number)[] = [];
  const word = search(v, segs);
  if (word === undefined) return undefined;
  let p = path;
  for (let i = segs.length - 1; i >= 0; i--) p = joinPath(p, segs[i] as string | number);
  return { path: p, word };
}

/**
 * dgm-ood's model reference `{sweep: <name or id>, job: <index, id or run name>}` (a model trained by
 * another sweep's job): exactly these two keys with scalar values. It is not a dysweep directive, so
 * the reserved-word check lets it through (in base_config or inside swept values, where no swept node
 * is looked for).
 */
export function isModelReference(v: PyValue): boolean {
  if (!(v instanceof Map) || v.size !== 2 || !v.has('sweep') || !v.has('job')) return false;
  const sweep = v.get('sweep');
  const job = v.get('job');
  return typeof sweep === 'string' && (typeof job === 'string' || typeof job === 'number');
}

function search(v: PyValue, segs: (string | number)[]): string | undefined {
  if (v instanceof Map) {
    if (isModelReference(v)) return undefined;
    for (const [k, x] of v) {
      if (RESERVED_WORDS.has(k)) {
        segs.push(k);
        return k;
      }
      if (x !== null && typeof x === 'object') {
        const w = search(x, segs);
        if (w !== undefined) {
          segs.push(k);
          return w;
        }
      }
    }
  } else if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x = v[i] as PyValue;
      if (x !== null && typeof x === 'object') {
        const w = search(x, segs);
        if (w !== undefined) {
          segs.push(i);
          return w;
        }
      }
    }
  }
  return undefined;
}

/** Every reserved key (not only the first), for static reports on `base_config`. */
export function findAllReservedWords(v: PyValue, path: string, out: { path: string; word: string }[] = []): { path: string; word: string }[] {
  if (isModelReference(v)) return out;
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const p = joinPath(path, k);
      if (RESERVED_WORDS.has(k)) out.push({ path: p, word: k });
      findAllReservedWords(x, p, out);
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => findAllReservedWords(x, joinPath(path, i), out));
  }
  return out;
}

const KNOWN_DIRECTIVES = new Set(['dy__upsert', 'dy__eval', 'dy__list__operations', 'dy__insert', 'dy__remove', 'dy__overwrite']);

/** Keys that look like directives (`dy__...`) but are none: dysweep would pass them through silently. */
export function findUnknownDirectives(v: PyValue, path: string, out: { path: string; word: string }[] = []): { path: string; word: string }[] {
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const p = joinPath(path, k);
      if (k.startsWith('dy__') && !KNOWN_DIRECTIVES.has(k)) out.push({ path: p, word: k });
      findUnknownDirectives(x, p, out);
    }
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => findUnknownDirectives(x, joinPath(path, i), out));
  }
  return out;
}
