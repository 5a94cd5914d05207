/** Nothing in a snippet can reach I/O, the host language or unbounded work. */
import { describe, expect, it } from 'vitest';
import { PyError } from '../value.js';
import { DEFAULT_LIMITS } from './interpreter.js';
import { SnippetError, callSnippet, compileSnippet } from './snippet.js';

function compileError(code: string, foi: string | null = 'f'): SnippetError {
  try {
    compileSnippet(code, foi);
  } catch (e) {
    if (e instanceof SnippetError) return e;
    throw e;
  }
  throw new Error('compiled without error');
}

describe('snippet sandbox', () => {
  it.each([
    ["__import__('os').system('true')", 'eval.unknown_name'],
    ["open('/etc/passwd').read()", 'eval.unknown_name'],
    ["eval('1')", 'eval.unknown_name'],
    ["exec('x = 1')", 'eval.unknown_name'],
    ["getattr(conf, 'x')", 'eval.unknown_name'],
    ['globals()', 'eval.unknown_name'],
    ['print(1)', 'eval.unknown_name'],
    ['conf.__class__', 'eval.unsupported'],
    ["''.__class__.__mro__", 'eval.unsupported'],
  ])('refuses lambda conf: %s before running (%s)', (body, code) => {
    expect(compileError(`lambda conf: ${body}`).code).toBe(code);
  });

  it.each([
    ['import os', "unknown module 'os'"],
    ['import subprocess', "unknown module 'subprocess'"],
    ['import sys', "unknown module 'sys'"],
    ['from os import system', "unknown module 'os'"],
    ['import meta_configurations.sub', "unknown module 'meta_configurations.sub'"],
    ['from meta_configurations import nope', "cannot import name 'nope'"],
    ['from importlib import import_module', "unknown module 'importlib'"],
  ])('refuses the import %j', (stmt, message) => {
    const e = compileError(`${stmt}\ndef f(conf):\n  return 1\n`);
    expect(e.code).toBe('eval.unknown_import');
    expect(e.message).toContain(message);
  });

  it('refuses dotted paths outside the helper registry', () => {
    expect(compileError('torch.optim.Adam', null).code).toBe('eval.unknown_import');
    expect(compileError('os.system', null).code).toBe('eval.unknown_import');
  });

  it('stops unbounded recursion at the depth limit and runaway work at the step budget', () => {
    const deep = compileSnippet('def f(conf):\n  return f(conf)\n', 'f');
    expect(() => callSnippet(deep, [null])).toThrow(new RegExp(`maximum call depth \\(${DEFAULT_LIMITS.maxDepth}\\)`));
    const wide = compileSnippet('def g(n):\n  return g(n - 1) + g(n - 1) if n > 0 else 1\ndef f(conf):\n  return g(40)\n', 'f');
    try {
      callSnippet(wide, [null]);
      expect.unreachable();
    } catch (e) {
      expect((e as PyError).pyType).toBe('ResourceLimitError');
    }
  });

  it('refuses huge allocations and integers beyond 2^53', () => {
    expect(() => callSnippet(compileSnippet('lambda c: [0] * 10 ** 8', null), [null])).toThrow(/larger than the allowed/);
    expect(() => callSnippet(compileSnippet("lambda c: 'x' * 10 ** 9", null), [null])).toThrow(/too long/);
    expect(() => callSnippet(compileSnippet('lambda c: 10 ** 100', null), [null])).toThrow(/2\^53/);
  });

  it('has no attribute path to the host (methods are whitelisted)', () => {
    expect(() => callSnippet(compileSnippet("lambda c: c.constructor", null), [new Map()])).toThrow(/has no attribute 'constructor'/);
    expect(() => callSnippet(compileSnippet("lambda c: 'x'.toString()", null), [null])).toThrow(/has no attribute 'toString'/);
  });
});
