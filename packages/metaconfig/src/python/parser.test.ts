import { describe, expect, it } from 'vitest';
import { PySyntaxError, UnsupportedConstructError } from './errors.js';
import { parseExpression, parseModule } from './parser.js';
import { tokenize } from './tokenizer.js';

describe('tokenizer', () => {
  it('produces indentation tokens and joins lines inside brackets', () => {
    const kinds = tokenize('def f(a,\n      b):\n  return a\n').map((t) => t.kind);
    expect(kinds).toEqual(['name', 'name', 'op', 'name', 'op', 'name', 'op', 'op', 'newline', 'indent', 'name', 'name', 'newline', 'dedent', 'end']);
  });

  it('decodes string escapes, raw strings and implicit concatenation', () => {
    expect(parseExpression(`'a\\n' "b\\x41" r'\\d'`)).toMatchObject({ kind: 'str', value: 'a\nbA\\d' });
    expect(parseExpression(`'''multi\nline'''`)).toMatchObject({ kind: 'str', value: 'multi\nline' });
  });

  it('reads ints and floats as Python does', () => {
    expect(parseExpression('1_000')).toMatchObject({ kind: 'int', value: 1000 });
    expect(parseExpression('0x10')).toMatchObject({ kind: 'int', value: 16 });
    expect(parseExpression('3.0')).toMatchObject({ kind: 'float', value: 3 });
    expect(parseExpression('1e3')).toMatchObject({ kind: 'float', value: 1000 });
  });

  it('rejects inconsistent dedents and unterminated strings as syntax errors', () => {
    expect(() => tokenize('if x:\n    a\n  b\n')).toThrow(PySyntaxError);
    expect(() => tokenize("'abc")).toThrow(PySyntaxError);
    expect(() => tokenize('(1, 2')).toThrow(/never closed/);
  });
});

describe('parser', () => {
  it('parses the upstream snippet shapes', () => {
    const m = parseModule(`from meta_configurations import change_coupling_layers
def turn_into_rq_nsf(conf):
  return  change_coupling_layers(
                conf,
                'PiecewiseRationalQuadraticCouplingTransform',
                additional_args = {
                  'tails': 'linear',
                  'num_bins': 8,
                  'tail_bound': 3.0,
                }
          )
`);
    expect(m.body.map((s) => s.kind)).toEqual(['from', 'def']);
  });

  it('binds operators with Python precedence', () => {
    expect(parseExpression('-2 ** 2')).toMatchObject({ kind: 'unary', op: '-', operand: { kind: 'binop', op: '**' } });
    expect(parseExpression('a or b and not c')).toMatchObject({ kind: 'boolop', op: 'or', values: [{ kind: 'name' }, { kind: 'boolop', op: 'and' }] });
    expect(parseExpression('1 < x <= 3')).toMatchObject({ kind: 'compare', ops: ['<', '<='] });
    expect(parseExpression('a if c else b')).toMatchObject({ kind: 'ifexp' });
    expect(parseExpression('x not in y')).toMatchObject({ kind: 'compare', ops: ['not in'] });
  });

  it.each([
    ['for x in y:\n  pass', 'a for loop'],
    ['while True:\n  pass', 'a while loop'],
    ['class A:\n  pass', 'a class definition'],
    ['try:\n  pass\nexcept:\n  pass', 'a try statement'],
    ['with open(x) as f:\n  pass', 'a with statement'],
    ['[x for x in y]', 'a list comprehension'],
    ['{k: v for k in y}', 'a dict comprehension'],
    ['{1, 2}', 'a set literal'],
    ['f(*args)', 'argument unpacking'],
    ['def f(*args):\n  pass', '*args'],
    ['lambda: (yield)', 'a yield expression'],
    ['a.b = 1', 'attribute assignment'],
    ['x = 1 | 2', 'the bitwise operator |'],
    ['global x', 'a global statement'],
    ['@dec\ndef f():\n  pass', 'a decorator'],
    ["f'{x}'", 'an f-string'],
    ['(y := 3)', 'an assignment expression'],
    ['import os\nx[1:2] = 3', 'slice assignment'],
  ])('refuses %j as %s', (src, construct) => {
    const run = () => parseModule(src);
    expect(run).toThrow(UnsupportedConstructError);
    expect(run).toThrow(construct);
  });

  it('rejects text that is not Python with a line number', () => {
    try {
      parseModule('def f(conf)\n  return 1\n');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PySyntaxError);
      expect((e as PySyntaxError).line).toBe(1);
    }
  });
});
