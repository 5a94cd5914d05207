import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { PyFloat } from './value.js';
import { loadSource, resolvePlainYaml11 } from './yaml11.js';

const load = (text: string) => {
  const r = loadSource(text);
  if (r.issues.length > 0) throw new Error(JSON.stringify(r.issues));
  return r.value;
};

describe('YAML 1.1 scalar resolution (PyYAML safe loader + jsonargparse)', () => {
  it.each([
    ['yes', true], ['Yes', true], ['YES', true], ['on', true], ['ON', true], ['true', true], ['True', true],
    ['no', false], ['No', false], ['off', false], ['Off', false], ['FALSE', false],
  ])('%s is the boolean %s', (text, value) => {
    expect(resolvePlainYaml11(text)).toBe(value);
  });

  it('keeps words outside PyYAML\'s exact spellings as strings (yEs, y, n)', () => {
    expect(resolvePlainYaml11('yEs')).toBe('yEs');
    expect(resolvePlainYaml11('y')).toBe('y');
    expect(resolvePlainYaml11('n')).toBe('n');
  });

  it('reads null spellings and the empty value as null', () => {
    for (const t of ['~', 'null', 'Null', 'NULL', '']) expect(resolvePlainYaml11(t)).toBe(null);
    expect(resolvePlainYaml11('nULL')).toBe('nULL');
  });

  it('keeps int and float apart: 1.0 and 20. are floats, 1 is an int', () => {
    expect(resolvePlainYaml11('1')).toBe(1);
    expect(resolvePlainYaml11('1.0')).toEqual(new PyFloat(1));
    expect(resolvePlainYaml11('20.')).toEqual(new PyFloat(20));
    expect(resolvePlainYaml11('-3.5')).toEqual(new PyFloat(-3.5));
  });

  it('implements 1.1 integers: octal 010, hex, binary, underscores, sexagesimal', () => {
    expect(resolvePlainYaml11('010')).toBe(8);
    expect(resolvePlainYaml11('0x1F')).toBe(31);
    expect(resolvePlainYaml11('0b101')).toBe(5);
    expect(resolvePlainYaml11('1_000')).toBe(1000);
    expect(resolvePlainYaml11('1:30')).toBe(90);
    expect(resolvePlainYaml11('-1:30')).toBe(-90);
    expect(resolvePlainYaml11('09')).toBe('09');
  });

  it('reads scientific notation without a dot as a float (jsonargparse), and .inf/.nan', () => {
    expect(resolvePlainYaml11('1e-3')).toEqual(new PyFloat(0.001));
    expect(resolvePlainYaml11('5E+2')).toEqual(new PyFloat(500));
    expect(resolvePlainYaml11('1.5e3')).toEqual(new PyFloat(1500));
    expect(resolvePlainYaml11('.inf')).toEqual(new PyFloat(Infinity));
    expect(resolvePlainYaml11('-.INF')).toEqual(new PyFloat(-Infinity));
    expect((resolvePlainYaml11('.nan') as PyFloat).value).toBeNaN();
    expect(resolvePlainYaml11('1:30.5')).toEqual(new PyFloat(90.5));
  });

  it('keeps timestamps as strings (jsonargparse drops the timestamp resolver)', () => {
    expect(resolvePlainYaml11('2024-01-02')).toBe('2024-01-02');
  });

  it('never resolves quoted or block scalars', () => {
    expect(load('a: "yes"\nb: \'1.0\'\nc: |\n  on\n')).toEqual(new Map([['a', 'yes'], ['b', '1.0'], ['c', 'on\n']]));
  });

  it('honours explicit standard tags', () => {
    const v = load('a: !!float 1\nb: !!str 12\nc: !!int "7"\nd: ! 3\n');
    expect(canonicalJson(v as never)).toBe('{"a":1.0,"b":"12","c":7,"d":"3"}');
  });

  it('expands anchors and aliases', () => {
    expect(canonicalJson(load('a: &x {p: 1.0}\nb: *x\n') as never)).toBe('{"a":{"p":1.0},"b":{"p":1.0}}');
  });

  it('preserves mapping order, including integer-like keys', () => {
    const v = load('"2": a\n"10": b\n"1": c\n') as Map<string, unknown>;
    expect([...v.keys()]).toEqual(['2', '10', '1']);
  });

  it('records source lines of nodes and of block-scalar content', () => {
    const r = loadSource('a:\n  b: 1\n  code: |\n    line one\n    line two\n');
    expect(r.locations.get('a.b')?.line).toBe(2);
    expect(r.locations.get('a.code')).toEqual({ line: 3, contentLine: 4 });
  });

  it('reports refused constructs with their paths instead of guessing', () => {
    const r = loadSource('x:\n  <<: {a: 1}\n  1: one\n  yes: two\n');
    expect(r.issues.map((i) => [i.code, i.path, i.line])).toEqual([
      ['yaml.merge_key', 'x.<<', 2],
      ['yaml.non_string_key', 'x.1', 3],
      ['yaml.non_string_key', 'x.yes', 4],
    ]);
  });

  it('reads JSON with float fidelity when the format is json', () => {
    const r = loadSource('{"a": 1.0, "b": 2, "c": [true, null, "x"]}', 'json');
    expect(canonicalJson(r.value as never)).toBe('{"a":1.0,"b":2,"c":[true,null,"x"]}');
  });
});
