/**
 * Acceptance 4: property tests. Expansion is deterministic; permuting the key order of swept parameters
 * (and of the base config) changes nothing when parameter names are identifiers or distinct keys; every
 * materialised config is free of reserved words; floats keep their type through the JSON handed to jobs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pyFloatRepr } from './canonical-json.js';
import { expandMetaConfig, type ExpansionResult } from './index.js';
import { RESERVED_WORDS } from './reserved-words.js';

/** Generated values, written out as JSON text by hand so that floats keep their `.0`. */
class F {
  constructor(readonly v: number) {}
}
class M {
  constructor(readonly entries: [string, Gen][]) {}
}
type Gen = null | boolean | number | string | F | M | Gen[];

function emit(g: Gen): string {
  if (g instanceof F) return pyFloatRepr(g.v);
  if (g instanceof M) return `{${g.entries.map(([k, v]) => `${JSON.stringify(k)}:${emit(v)}`).join(',')}}`;
  if (Array.isArray(g)) return `[${g.map(emit).join(',')}]`;
  return JSON.stringify(g);
}

const scalar: fc.Arbitrary<Gen> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.integer({ min: -50, max: 50 }).map((n) => new F(n)),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).map((x) => new F(x)),
  fc.constantFrom('mnist', 'cifar10', 'svhn', '', 'x.y', 'yes'),
  fc.boolean(),
  fc.constant(null),
);

function mapOf(keys: fc.Arbitrary<string>, value: fc.Arbitrary<Gen>): fc.Arbitrary<Gen> {
  return fc.uniqueArray(fc.tuple(keys, value), { selector: ([k]) => k, maxLength: 4 }).map((e) => new M(e));
}

const plainKey = fc.constantFrom('a', 'b', 'c', 'lr', 'depth');
const plainValue: fc.Arbitrary<Gen> = fc.letrec<{ v: Gen }>((tie) => ({
  v: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, mapOf(plainKey, tie('v')), fc.array(tie('v'), { maxLength: 3 })),
})).v;

interface Sweep {
  base: [string, Gen][];
  params: { key: string; identifier?: string; values: Gen[] }[];
}

const sweepArb: fc.Arbitrary<Sweep> = fc
  .uniqueArray(fc.constantFrom('p', 'q', 'r', 's', 't', 'u'), { minLength: 1, maxLength: 4 })
  .chain((keys) =>
    fc.record({
      base: fc.tuple(...keys.map((k) => plainValue.map((v) => [k, v] as [string, Gen]))),
      params: fc.tuple(
        ...keys.map((key) =>
          fc.record({
            key: fc.constant(key),
            identifier: fc.option(fc.constantFrom('A_', 'Z_', '_').map((p) => `${p}${key}`), { nil: undefined }),
            values: fc.array(plainValue, { minLength: 1, maxLength: 3 }),
          }),
        ),
      ),
    }),
  )
  .map((s) => ({ base: s.base, params: s.params.map((p) => (p.identifier === undefined ? { key: p.key, values: p.values } : p)) }));

function metaJson(s: Sweep, order: number[], baseOrder: number[]): string {
  const params = order.map((i) => s.params[i] as Sweep['params'][number]);
  const tree = new M(params.map((p) => [p.key, new M([['sweep', true], ...(p.identifier ? ([['sweep_identifier', p.identifier]] as [string, Gen][]) : []), ['values', p.values]])]));
  const base = new M([['root_marker', 1], ...baseOrder.map((i) => s.base[i] as [string, Gen])]);
  return emit(new M([['project', 'prop'], ['base_config', base], ['sweep_configuration', tree]]));
}

function summary(r: ExpansionResult): unknown {
  if (!r.ok) return { ok: false, codes: r.errors.map((e) => `${e.code}@${e.path}`).sort() };
  return { ok: true, params: r.sweep.parameters, jobs: r.jobs.map((j) => [j.index, j.pointJson, j.configJson, j.configHash, j.name]) };
}

const permutation = (n: number) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n });

describe('expansion properties', () => {
  it('is deterministic', () => {
    fc.assert(
      fc.property(sweepArb, (s) => {
        const order = s.params.map((_, i) => i);
        const text = metaJson(s, order, order);
        expect(summary(expandMetaConfig(text, { format: 'json' }))).toEqual(summary(expandMetaConfig(text, { format: 'json' })));
      }),
      { numRuns: 150 },
    );
  });

  it('does not depend on the key order of swept parameters or of the base config', () => {
    fc.assert(
      fc.property(
        sweepArb.chain((s) => fc.tuple(fc.constant(s), permutation(s.params.length), permutation(s.base.length))),
        ([s, order, baseOrder]) => {
          const identity = s.params.map((_, i) => i);
          const a = expandMetaConfig(metaJson(s, identity, identity), { format: 'json' });
          const b = expandMetaConfig(metaJson(s, order, baseOrder), { format: 'json' });
          expect(summary(b)).toEqual(summary(a));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('keeps every grid point, in mixed-radix order, with duplicates collapsed', () => {
    fc.assert(
      fc.property(sweepArb, (s) => {
        const order = s.params.map((_, i) => i);
        const r = expandMetaConfig(metaJson(s, order, order), { format: 'json' });
        if (!r.ok) return;
        const product = r.sweep.parameters.reduce((n, p) => n * p.values, 1);
        expect(r.jobs).toHaveLength(product);
        expect(new Set(r.jobs.map((j) => j.pointJson)).size).toBe(product);
      }),
      { numRuns: 100 },
    );
  });

  it('never yields a config holding a reserved word', () => {
    const directiveKey = fc.constantFrom('a', 'b', 'c', 'sweep', 'sweep_group', 'sweep_group_x', 'dy__upsert', 'dy__list__operations', 'dy__remove', 'sweep_alias');
    const wildValue: fc.Arbitrary<Gen> = fc.letrec<{ v: Gen }>((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, mapOf(directiveKey, tie('v')), fc.array(tie('v'), { maxLength: 3 })),
    })).v;
    let ok = 0;
    fc.assert(
      fc.property(mapOf(plainKey, plainValue), fc.array(wildValue, { minLength: 1, maxLength: 3 }), wildValue, (base, values, rest) => {
        const tree = new M([['a', new M([['sweep', true], ['values', values]])], ['b', rest]]);
        const text = emit(new M([['project', 'prop'], ['base_config', new M([['a', 0], ['b', 0], ...(base as M).entries.filter(([k]) => k !== 'a' && k !== 'b')])], ['sweep_configuration', tree]]));
        const r = expandMetaConfig(text, { format: 'json' });
        if (!r.ok) return;
        ok++;
        for (const j of r.jobs) {
          const walk = (v: unknown): void => {
            if (Array.isArray(v)) v.forEach(walk);
            else if (v !== null && typeof v === 'object') {
              for (const [k, x] of Object.entries(v)) {
                expect(RESERVED_WORDS.has(k), `reserved key ${k} in ${j.configJson}`).toBe(false);
                walk(x);
              }
            }
          };
          walk(JSON.parse(j.configJson));
        }
      }),
      { numRuns: 300 },
    );
    expect(ok).toBeGreaterThan(30); // the property was exercised on accepted configs, not only on rejections
  });

  it('writes floats so that they read back as the same float, never as an int', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = pyFloatRepr(x);
        expect(Object.is(Number(text), x)).toBe(true);
        expect(text).toMatch(/[.e]/);
      }),
      { numRuns: 500 },
    );
  });
});
