/**
 * W&B parameter names (docs/metaconfig-notes.md §1.5.2). An entry with `sweep_identifier` uses it; otherwise it is
 * named by the shortest suffix of its path whose first segment no earlier entry has claimed. Every entry claims one
 * segment, scanning from the leaf. Unresolvable and duplicate names are rejected (quirk Q6): dysweep
 * would crash or silently put values in the wrong place.
 */
import type { SweptNode } from './sweep-tree.js';
import type { MetaConfigIssue } from './types.js';

export interface NamedParameter {
  name: string;
  node: SweptNode;
}

export function nameParameters(swept: readonly SweptNode[], errors: MetaConfigIssue[]): NamedParameter[] {
  const claimed = new Set<string>();
  const named: NamedParameter[] = [];
  for (const node of swept) {
    let derived: string | undefined;
    for (let i = node.segments.length - 1; i >= 0; i--) {
      const seg = node.segments[i] as string;
      if (!claimed.has(seg)) {
        claimed.add(seg);
        derived = node.segments.slice(i).join('.');
        break;
      }
    }
    const name = node.identifier ?? derived;
    if (name === undefined) {
      errors.push({
        code: 'param.unresolvable_name',
        path: node.yamlPath,
        quirk: 'Q6',
        message: `no parameter name can be derived for this swept node (every segment of '${node.segments.join('.')}' is already claimed by an earlier one); give it a sweep_identifier`,
      });
      continue;
    }
    named.push({ name, node });
  }
  const byName = new Map<string, NamedParameter>();
  for (const p of named) {
    const earlier = byName.get(p.name);
    if (earlier !== undefined) {
      errors.push({
        code: 'param.duplicate_name',
        path: p.node.yamlPath,
        quirk: 'Q6',
        message: `the parameter name '${p.name}' is also used by ${earlier.node.yamlPath}; dysweep would put values in the wrong place. Give one of them a distinct sweep_identifier`,
      });
    } else {
      byName.set(p.name, p);
    }
  }
  return named;
}
