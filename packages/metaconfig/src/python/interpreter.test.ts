/** The Python subset evaluates like Python on snippets beyond the upstream ones. */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../canonical-json.js';
import { PyError, PyFloat, type PyValue } from '../value.js';
import { callSnippet, compileSnippet } from './snippet.js';

const conf = (): Map<string, PyValue> =>
  new Map<string, PyValue>([
    ['data', new Map<string, PyValue>([['dataset', 'mnist'], ['batch_size', 64]])],
    ['ood', new Map<string, PyValue>([['radii', [0, new PyFloat(0.1)]], ['seed', 100]])],
    ['base_model', new Map<string, PyValue>([['checkpoint_dir', 'runs/a.pt']])],
  ]);

function run(code: string, foi: string | null = 'f', args: PyValue[] = [conf()]): string {
  return canonicalJson(callSnippet(compileSnippet(code, foi), args));
}

describe('Python-subset interpreter', () => {
  it('local variables and arithmetic on config values keep int/float types', () => {
    expect(run(`def f(conf):\n  bs = conf['data']['batch_size']\n  half = bs // 2\n  scale = bs / 4\n  lr = 0.1 * 3\n  return {'half': half, 'scale': scale, 'lr': lr, 'sq': bs ** 2, 'mod': -7 % 3}\n`))
      .toBe('{"half":32,"lr":0.30000000000000004,"mod":2,"scale":16.0,"sq":4096}');
  });

  it('if / elif / else and conditional expressions', () => {
    const code = `def f(conf):\n  d = conf['data']['dataset']\n  if d == 'cifar10':\n    c = 3\n  elif d in ('mnist', 'fashion-mnist'):\n    c = 1\n  else:\n    c = None\n  return {'channels': c, 'big': 'yes' if conf['data']['batch_size'] > 32 else 'no'}\n`;
    expect(run(code)).toBe('{"big":"yes","channels":1}');
  });

  it('builds dicts and lists, including ** unpacking and nested subscripts', () => {
    expect(run(`def f(conf):\n  base = {'a': 1, 'b': [1, 2]}\n  out = {**base, 'b': base['b'] + [3], 'r': conf['ood']['radii'][-1]}\n  out['c'] = [out['a'], (1, 2)]\n  return out\n`))
      .toBe('{"a":1,"b":[1,2,3],"c":[1,[1,2]],"r":0.1}');
  });

  it('calls helpers with keyword arguments, and user functions with defaults', () => {
    const code = `from meta_configurations import get_generated_config as gen
import copy
def scaled(x, factor=2, offset=0):
  return x * factor + offset
def f(conf):
  g = gen(conf=conf)
  c = copy.deepcopy(conf)
  c['data']['batch_size'] = scaled(c['data']['batch_size'], offset=1)
  return {'g': g['dataset'], 'bs': c['data']['batch_size'], 'orig': conf['data']['batch_size'], 'len': len(g['dgm_args'])}
`;
    expect(run(code)).toBe('{"bs":129,"g":"dgm-generated","len":3,"orig":64}');
  });

  it('closures, lambdas and builtins (sorted with key, min/max, round, str methods, slices)', () => {
    const code = `def f(conf):
  k = 10
  mul = lambda x: x * k
  names = sorted(['b_x', 'A_y', 'a'], key=lambda s: s.lower())
  return {'m': mul(3), 'n': names, 'mx': max(3, 7, 5), 'r': round(2.5), 'j': '-'.join(['a', 'b']).upper(), 's': [1, 2, 3, 4][::-1][:2], 'split': 'a.b.c'.split('.')[-1]}
`;
    expect(run(code)).toBe('{"j":"A-B","m":30,"mx":7,"n":["a","A_y","b_x"],"r":2,"s":[4,3],"split":"c"}');
  });

  it('mutations of the argument are visible to the caller (reference semantics)', () => {
    const c = conf();
    callSnippet(compileSnippet(`def f(conf):\n  conf['data']['dataset'] = 'svhn'\n  conf['ood']['radii'].append(1)\n`, 'f'), [c]);
    expect(canonicalJson(c.get('data') as PyValue)).toBe('{"batch_size":64,"dataset":"svhn"}');
    expect(canonicalJson(c.get('ood') as PyValue)).toBe('{"radii":[0,0.1,1],"seed":100}');
  });

  it('evaluates expressions and dotted helper paths (dypy forms)', () => {
    expect(run('lambda x: x * 10', null, [new PyFloat(0.001)])).toBe('0.01');
    expect(run('meta_configurations.get_generated_config', null)).toContain('"dataset":"dgm-generated"');
    expect(run('from meta_configurations import *\n', 'ood_run_name_changer', [
      new Map<string, PyValue>([['data', new Map<string, PyValue>([
        ['in_distribution', new Map([['dataloader_args', new Map([['dataset', 'mnist']])]])],
        ['out_of_distribution', new Map<string, PyValue>([['dataloader_args', new Map([['dataset', 'svhn']])], ['pick_loader', 'test']])],
      ])]]),
      'word',
    ])).toBe('"mnist_vs_svhn_test_word"');
  });

  it('raises Python errors with their type and snippet line', () => {
    try {
      run(`def f(conf):\n  x = 1\n  return conf['missing']\n`);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PyError);
      expect((e as PyError).pyType).toBe('KeyError');
      expect((e as PyError).message).toBe("'missing'");
      expect((e as PyError).line).toBe(3);
    }
    expect(() => run('def f(conf):\n  return 1 / 0\n')).toThrow('division by zero');
    expect(() => run("def f(conf):\n  return 'a' + 1\n")).toThrow("unsupported operand type(s) for +: 'str' and 'int'");
    expect(() => run('def f(conf):\n  return y\n  y = 1\n')).toThrow(/local variable 'y'/);
  });
});
