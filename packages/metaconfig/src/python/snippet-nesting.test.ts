/** Snippets nested or chained past MAX_SNIPPET_NESTING are a SyntaxError when read, never a stack overflow. */
import { expect, test } from 'vitest';
import { MAX_SNIPPET_NESTING } from './parser.js';
import { SnippetError, callSnippet, compileSnippet } from './snippet.js';

const refusal = (text: string) => {
  try {
    compileSnippet(text, 'f');
  } catch (e) {
    return e;
  }
  return undefined;
};

test.each([
  ['20,000 nested brackets', `lambda x: ${'['.repeat(20_000)}1${']'.repeat(20_000)}`],
  ['20,000 nested parentheses', `lambda x: ${'('.repeat(20_000)}1${')'.repeat(20_000)}`],
  ['20,000 unary minus signs', `lambda x: ${'-'.repeat(20_000)}1`],
  ['20,000 nots', `lambda x: ${'not '.repeat(20_000)}x`],
  ['a chain of 20,000 additions', `lambda x: ${Array(20_000).fill('1').join(' + ')}`],
  ['a chain of 20,000 calls', `lambda x: x${'()'.repeat(20_000)}`],
  ['a tower of 20,000 powers', `lambda x: ${Array(20_000).fill('1').join(' ** ')}`],
  ['lambdas nested 20,000 deep', `${'lambda x: '.repeat(20_000)}1`],
  ['blocks nested 300 deep', `def f(c):\n${[...Array(300).keys()].map((i) => `${' '.repeat(i + 1)}if c:`).join('\n')}\n${' '.repeat(301)}return 1\n  return 0\n`],
])('%s', (_name, text) => {
  const e = refusal(text);
  expect(e).toBeInstanceOf(SnippetError);
  expect((e as SnippetError).code).toBe('eval.syntax');
  expect((e as SnippetError).message).toMatch(new RegExp(`nests more than ${MAX_SNIPPET_NESTING} levels deep`));
});

test('nesting within the limit is read and evaluated', () => {
  const depth = MAX_SNIPPET_NESTING - 10;
  expect(callSnippet(compileSnippet(`lambda x: ${'['.repeat(depth)}x${']'.repeat(depth)}`, null), [1])).toEqual(JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`));
  expect(callSnippet(compileSnippet(`lambda x: ${Array(150).fill('x').join(' + ')}`, null), [2])).toBe(300);
});
