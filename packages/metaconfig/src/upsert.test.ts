/** The upsert algorithm (docs/metaconfig-notes.md §1.8), exercised through whole meta-configurations. */
import { describe, expect, it } from 'vitest';
import { expandMetaConfig, type ExpandOptions, type JsonValue } from './index.js';

function configs(yaml: string, options: ExpandOptions = {}): { configs: JsonValue[]; json: string[]; warnings: string[] } {
  const r = expandMetaConfig(yaml, options);
  if (!r.ok) throw new Error(JSON.stringify(r.errors, null, 1));
  return { configs: r.jobs.map((j) => j.config), json: r.jobs.map((j) => j.configJson), warnings: r.warnings.map((w) => `${w.code}:${w.quirk ?? ''}`) };
}

function errorsOf(yaml: string): { code: string; path: string; quirk?: string }[] {
  const r = expandMetaConfig(yaml);
  if (r.ok) throw new Error('expected a failure');
  return r.errors.map((e) => ({ code: e.code, path: e.path, ...(e.quirk ? { quirk: e.quirk } : {}) }));
}

const file = (base: string, sweep: string) => `project: p\nbase_config:\n${base}\nsweep_configuration:\n${sweep}\n`;

describe('upsert: type-change matrix (docs/metaconfig-notes.md §1.8.5)', () => {
  it('a list in non-swept content overwrites position by position (Q4)', () => {
    expect(configs(file('  l: [1, 2, 3]\n  k: 0', '  l: [5]\n  k: {sweep: true, values: [1]}')).configs[0]).toEqual({ l: [5, 2, 3], k: 1 });
  });

  it('a list inside a swept value merges element-wise with equal length', () => {
    expect(configs(file('  l: [1, {a: 1}, 3]', '  l: {sweep: true, values: [[7, {b: 2}, 9]]}')).configs[0]).toEqual({ l: [7, { a: 1, b: 2 }, 9] });
  });

  it('a scalar or null replaces a sub-tree; a mapping deep-merges', () => {
    expect(configs(file('  a: {x: 1}\n  b: [1, 2]\n  c: {x: 1, y: 2}', '  a: 5\n  b: null\n  c: {sweep: true, values: [{y: 3, z: 4}]}')).configs[0]).toEqual({ a: 5, b: null, c: { x: 1, y: 3, z: 4 } });
  });

  it('a scalar base value is replaced by a fresh mapping or list', () => {
    expect(configs(file('  a: 1\n  b: null', '  a: {sweep: true, values: [{x: [1, {y: 2}]}]}\n  b: [1, 2]')).configs[0]).toEqual({ a: { x: [1, { y: 2 }] }, b: [1, 2] });
  });

  it('mapping → list and list → plain mapping are refused with the patch path', () => {
    expect(errorsOf(file('  a: {x: 1}', '  a: {sweep: true, values: [[1]]}'))[0]).toMatchObject({ code: 'upsert.type_mismatch', path: 'sweep_configuration.a.values[0]' });
    expect(errorsOf(file('  a: [1]', '  a: {sweep: true, values: [{x: 1}]}'))[0]).toMatchObject({ code: 'upsert.type_mismatch', path: 'sweep_configuration.a.values[0].x' });
  });

  it('keys absent from the base are created; a new {} stays {} with a Q3 warning unless strictCompat', () => {
    const yaml = file('  a: 1', '  n: {sweep: true, values: [{}, {x: {}}]}');
    const loose = configs(yaml);
    expect(loose.configs).toEqual([{ a: 1, n: {} }, { a: 1, n: { x: {} } }]);
    expect(loose.warnings).toContain('upsert.empty_mapping_kept:Q3');
    expect(configs(yaml, { strictCompat: true }).configs).toEqual([{ a: 1, n: [] }, { a: 1, n: { x: [] } }]);
  });

  it('a new mapping whose keys are all list positions becomes a list (docs/metaconfig-notes.md §1.8.4)', () => {
    expect(configs(file('  a: 1', '  l: [x, y]\n  a: {sweep: true, values: [2]}')).configs[0]).toEqual({ a: 2, l: ['x', 'y'] });
  });
});

describe('upsert: processing order', () => {
  it('snippets see earlier writes: sorted keys, with the key being built set to null (docs/metaconfig-notes.md §1.9)', () => {
    const yaml = file('  k: 1\n  a: {z: 0}', `  a:
    b: 5
    c: {dy__eval: "lambda conf: [sorted(conf['a'].keys()), conf['a']['c']]"}
    q: {dy__eval: "lambda conf: sorted(conf['a'].keys())"}
    z: {sweep: true, values: [0]}`);
    expect(configs(yaml).configs[0]).toEqual({ k: 1, a: { z: 0, b: 5, c: [['b', 'c', 'z'], null], q: ['b', 'c', 'q', 'z'] } });
  });

  it('sweep_group keys apply after ordinary keys, in sorted order', () => {
    const yaml = file('  t: ""', `  sweep_group_b: {t: "dy__eval(lambda x: x + 'B')"}
  sweep_group_a: {t: "dy__eval(lambda x: x + 'A')"}
  t: {sweep: true, values: [s]}`);
    expect(configs(yaml).configs[0]).toEqual({ t: 'sAB' });
  });

  it('dy__upsert items apply last; 11+ items in lexicographic position order (Q5, with a warning)', () => {
    const items = [...Array(12).keys()].map((i) => `  - {t: "dy__eval(lambda x: x + ' ${i}')"}`).join('\n');
    const r = configs(file('  t: start\n  k: 0', `  dy__upsert:\n${items}\n  t: base\n  k: {sweep: true, values: [1]}`));
    expect(r.configs[0]).toEqual({ t: 'base 0 1 10 11 2 3 4 5 6 7 8 9', k: 1 });
    expect(r.warnings).toContain('upsert.lexicographic_order:Q5');
  });

  it('a sole-key dy__eval result is merged, so keys cannot be deleted', () => {
    const yaml = file('  a: {x: 1, y: 2}', `  dy__upsert:
  - dy__eval:
      expression: "lambda conf: {'a': {'x': 10}}"
  a:
    y: {sweep: true, values: [3]}`);
    expect(configs(yaml).configs[0]).toEqual({ a: { x: 10, y: 3 } });
  });

  it('the string form of dy__eval replaces; the mapping form merges; extra keys are ignored (Q13 warning)', () => {
    const yaml = file('  a: {x: 1, y: 2}\n  b: {x: 1, y: 2}', `  a: {dy__eval: "lambda conf: {'x': 5}", note: ignored}
  b:
    dy__eval: {expression: "lambda conf: {'x': 5}"}
  c: {sweep: true, values: [0]}`);
    const r = configs(yaml);
    expect(r.configs[0]).toEqual({ a: { x: 5 }, b: { x: 5, y: 2 }, c: 0 });
    expect(r.warnings).toContain('upsert.eval_extra_keys_ignored:Q13');
  });
});

describe('upsert: list operations', () => {
  it('dy__remove works in non-swept content; [i, v] forms work inside swept values', () => {
    const yaml = file('  l: [a, b, c, d]', `  l:
    dy__list__operations:
    - dy__remove: -1
  m: {sweep: true, values: [0]}`);
    expect(configs(yaml).configs[0]).toEqual({ l: ['a', 'b', 'c'], m: 0 });
    const inValue = file('  l: [a, b, c]', `  l:
    sweep: true
    values:
    - dy__list__operations:
      - dy__insert: [-1, z]
      - dy__overwrite: [0, A]
      - dy__insert: [1, y]`);
    expect(configs(inValue).configs[0]).toEqual({ l: ['A', 'y', 'b', 'c', 'z'] });
  });

  it('bare-index dy__overwrite merges the patch\'s other keys into that element', () => {
    const yaml = file('  l: [{a: 1}, {a: 2}]', `  l:
    sweep: true
    values:
    - dy__list__operations:
      - dy__overwrite: 1
      b: 3`);
    expect(configs(yaml).configs[0]).toEqual({ l: [{ a: 1 }, { a: 2, b: 3 }] });
  });

  it('bare-index dy__insert is refused (Q7)', () => {
    const yaml = file('  l: [a]', `  l:
    sweep: true
    values:
    - dy__list__operations:
      - dy__insert: 0`);
    expect(errorsOf(yaml)[0]).toMatchObject({ code: 'upsert.list_op_unsupported', quirk: 'Q7' });
  });
});

describe('upsert: statically impossible placements (Q8)', () => {
  it('refuses dy__upsert / sweep_group inside a sub-tree absent from the base', () => {
    const yaml = file('  a: 1', `  fresh:
    dy__upsert:
    - {x: 1}
  a: {sweep: true, values: [1]}`);
    expect(errorsOf(yaml)[0]).toMatchObject({ code: 'upsert.directive_in_new_subtree', quirk: 'Q8', path: 'sweep_configuration.fresh.dy__upsert' });
  });

  it('accepts the mapping form of dy__eval under a new parent', () => {
    const yaml = file('  a: 1', `  fresh:
    v:
      dy__eval: {expression: "lambda conf: conf['a'] + 1"}
  a: {sweep: true, values: [1]}`);
    expect(configs(yaml).configs[0]).toEqual({ a: 1, fresh: { v: 2 } });
  });
});

describe('upsert: final reserved-word check (docs/metaconfig-notes.md §1.8.6)', () => {
  it('rejects a concrete config that ends up holding a reserved word, naming the config path', () => {
    const yaml = file('  a: 1', `  fresh:
    dy__eval: {expression: "lambda conf: {'inner': {'sweep': True}}"}
  a: {sweep: true, values: [1]}`);
    expect(errorsOf(yaml)[0]).toMatchObject({ code: 'config.reserved_word', path: 'config:fresh.inner.sweep' });
  });
});
