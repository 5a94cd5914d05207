/** Integer powers are bounded by their operands' sizes, before any big integer is built. */
import { expect, it } from 'vitest';
import { PyError } from '../value.js';
import { callSnippet, compileSnippet } from './snippet.js';

const evaluate = (expression: string) => callSnippet(compileSnippet(`def f():\n  return ${expression}\n`, 'f'), []);

it('huge integer powers are an OverflowError at once (not a 95-million-bit BigInt, not a RangeError)', () => {
  for (const expression of ['9**(3*10**7)', '9**(10**8)', '10**10**10', '(-3)**(10**9)']) {
    const started = process.hrtime.bigint();
    let caught: unknown;
    try {
      evaluate(expression);
    } catch (error) {
      caught = error;
    }
    expect(caught, expression).toBeInstanceOf(PyError);
    expect((caught as PyError).pyType, expression).toBe('OverflowError');
    // Not a timing assertion on speed: a bound on work. Building 9**(3*10**7) takes seconds; refusing it, microseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6, expression).toBeLessThan(1000);
  }
});

it('powers within ±2^53 are exact, at the boundary too', () => {
  expect(evaluate('2**52')).toBe(2 ** 52);
  expect(evaluate('(-2)**52')).toBe(2 ** 52);
  expect(evaluate('3**33')).toBe(5559060566555523);
  expect(evaluate('1**(10**15)')).toBe(1);
  expect(evaluate('(-1)**(10**15+1)')).toBe(-1);
  expect(evaluate('0**(10**15)')).toBe(0);
  expect(() => evaluate('2**53')).toThrow(/outside ±2\^53/);
  expect(() => evaluate('3**34')).toThrow(/outside ±2\^53/);
});
