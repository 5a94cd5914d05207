import { describe, expect, it } from 'vitest';
import { canonicalJson, compareCodePoints, pyFloatRepr, toJsonValue, NotSerialisableError } from './canonical-json.js';
import { PyFloat, PyTuple } from './value.js';

describe('canonical JSON', () => {
  it.each([
    [1, '1.0'], [20, '20.0'], [0.1, '0.1'], [-0, '-0.0'], [1e16, '1e+16'], [1.5e-5, '1.5e-05'], [0.0001, '0.0001'],
    [123456789012345.6, '123456789012345.6'], [1e22, '1e+22'], [2.5e-300, '2.5e-300'], [0.30000000000000004, '0.30000000000000004'],
  ])('writes the float %d as Python does: %s', (x, text) => {
    expect(pyFloatRepr(x)).toBe(text);
  });

  it('sorts keys by code point and keeps ints and floats apart', () => {
    const v = new Map<string, never>([
      ['b', new PyFloat(1) as never],
      ['a', 1 as never],
      ['_z', [new PyFloat(2.5), 3] as never],
      ['Z', new PyTuple([true, null]) as never],
    ]);
    expect(canonicalJson(v)).toBe('{"Z":[true,null],"_z":[2.5,3],"a":1,"b":1.0}');
    expect(canonicalJson(v, { integralFloatsAsInts: true })).toBe('{"Z":[true,null],"_z":[2.5,3],"a":1,"b":1}');
    expect(JSON.stringify(toJsonValue(v))).toBe('{"Z":[true,null],"_z":[2.5,3],"a":1,"b":1}');
  });

  it('orders strings like Python, not by locale or UTF-16 units', () => {
    expect(['a', '_a', 'Z_y', 'B_x'].sort(compareCodePoints)).toEqual(['B_x', 'Z_y', '_a', 'a']);
    // U+1F600 (surrogate pair) sorts after U+FF5E in code-point order, before it in UTF-16 order.
    expect(compareCodePoints('\u{1F600}', '\uFF5E')).toBeGreaterThan(0);
  });

  it('refuses values JSON cannot hold, naming where', () => {
    const v = new Map([['a', new Map([['b', new PyFloat(Infinity)]])]]);
    expect(() => canonicalJson(v as never)).toThrow(NotSerialisableError);
    try {
      canonicalJson(v as never);
    } catch (e) {
      expect((e as NotSerialisableError).path).toBe('a.b');
    }
  });

  it('keeps a __proto__ key as data', () => {
    const out = toJsonValue(new Map([['__proto__', 1]])) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
