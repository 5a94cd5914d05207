/**
 * Grid enumeration as W&B's grid controller does it (docs/metaconfig-notes.md §1.6): parameters ordered by name
 * (code-point order), Cartesian product with the last name varying fastest, duplicate values of a parameter collapsed
 * (compared by their canonical form with integral floats as ints). Job `index` ↔ mixed-radix digits,
 * so any job can be materialised without enumerating the others.
 */
import { canonicalJson, compareCodePoints, pyFloatRepr } from './canonical-json.js';
import type { NamedParameter } from './parameter-names.js';
import type { SweptNode } from './sweep-tree.js';
import { PyFloat, type PyValue } from './value.js';

export interface GridParameter {
  name: string;
  node: SweptNode;
  /** What W&B sends for each alternative: the alias string, or the value itself. */
  sent: PyValue[];
  /** The value placed into the config for each alternative (alias decoded). */
  values: PyValue[];
  /** Memo of `sent` as canonical JSON, filled on first use (null: not writable as JSON). */
  sentJson: (string | null)[];
}

/** Canonical JSON of alternative `d` as sent to W&B; undefined when it cannot be written as JSON. */
export function sentJsonAt(p: GridParameter, d: number): string | undefined {
  let t = p.sentJson[d];
  if (t === undefined) {
    try {
      t = canonicalJson(p.sent[d] as PyValue);
    } catch {
      t = null;
    }
    p.sentJson[d] = t;
  }
  return t ?? undefined;
}

export interface Grid {
  /** Parameters in grid order. */
  parameters: GridParameter[];
  /** Exact product of the numbers of distinct values (may exceed any cap). */
  jobCount: number;
}

function dedupeKey(v: PyValue): string {
  try {
    return canonicalJson(v, { integralFloatsAsInts: true });
  } catch {
    // A non-finite float cannot be written as JSON; key it by its repr instead.
    return v instanceof PyFloat ? `float:${pyFloatRepr(v.value)}` : `opaque:${String(v)}`;
  }
}

export function buildGrid(named: readonly NamedParameter[]): Grid {
  const parameters = named.map(({ name, node }): GridParameter => {
    if (node.aliases !== undefined) {
      // Aliases are unique strings, so aliased values never collapse.
      return { name, node, sent: [...node.aliases], values: [...node.values], sentJson: [] };
    }
    const seen = new Set<string>();
    const values: PyValue[] = [];
    for (const v of node.values) {
      const key = dedupeKey(v);
      if (seen.has(key)) continue;
      seen.add(key);
      values.push(v);
    }
    return { name, node, sent: values, values, sentJson: [] };
  });
  parameters.sort((a, b) => compareCodePoints(a.name, b.name));
  let jobCount = 1;
  for (const p of parameters) jobCount *= p.values.length;
  return { parameters, jobCount };
}

/** Digits (one alternative index per parameter, grid order) of job `index`; the last parameter varies fastest. */
export function digitsAt(grid: Grid, index: number): number[] {
  const digits = new Array<number>(grid.parameters.length);
  let rest = index;
  for (let i = grid.parameters.length - 1; i >= 0; i--) {
    const n = (grid.parameters[i] as GridParameter).values.length;
    digits[i] = rest % n;
    rest = Math.floor(rest / n);
  }
  return digits;
}
