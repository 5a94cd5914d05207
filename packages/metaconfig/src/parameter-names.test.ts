import { describe, expect, it } from 'vitest';
import { nameParameters } from './parameter-names.js';
import type { SweptNode } from './sweep-tree.js';
import type { MetaConfigIssue } from './types.js';

const node = (path: string, identifier?: string): SweptNode => ({
  segments: path.split('/'),
  yamlPath: path.replace(/\//g, '.'),
  values: [1],
  constant: false,
  ...(identifier ? { identifier } : {}),
});

describe('parameter naming (docs/metaconfig-notes.md §1.5.2)', () => {
  it('uses the shortest unclaimed suffix, scanning from the leaf', () => {
    const errors: MetaConfigIssue[] = [];
    const named = nameParameters([
      node('data/dataset'),
      node('model/init_args/dataset'),
      node('dy__upsert/__IDX__3/data/out_of_distribution/pick_loader'),
    ], errors);
    expect(named.map((n) => n.name)).toEqual(['dataset', 'init_args.dataset', 'pick_loader']);
    expect(errors).toEqual([]);
  });

  it('lets identifiers win while still claiming a segment', () => {
    const errors: MetaConfigIssue[] = [];
    const named = nameParameters([node('dy__upsert/__IDX__0', 'flow_type'), node('other/__IDX__0')], errors);
    // The identifier entry claimed "__IDX__0", so the second is named by a longer suffix.
    expect(named.map((n) => n.name)).toEqual(['flow_type', 'other.__IDX__0']);
  });

  it('rejects an unresolvable name (dysweep KeyError) and duplicate names (Q6)', () => {
    const errors: MetaConfigIssue[] = [];
    nameParameters([node('a/x'), node('x'), node('p/q', 'size'), node('r/s', 'size')], errors);
    expect(errors.map((e) => [e.code, e.path, e.quirk])).toEqual([
      ['param.unresolvable_name', 'x', 'Q6'],
      ['param.duplicate_name', 'r.s', 'Q6'],
    ]);
  });
});
