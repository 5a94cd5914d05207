/** A snippet that exhausts the evaluator's stack within every other limit is a located RecursionError, not a crash. */
import { expect, test } from 'vitest';
import { expandMetaConfig } from './index.js';

test('99 nested calls of a 190-level expression each: a located eval.runtime RecursionError (or a result), never a thrown RangeError', () => {
  const source = `project: p
base_config: {a: 1}
sweep_configuration:
  b: {sweep: true, values: [1]}
  dy__upsert:
  - dy__eval:
      expression: |
        def g(n):
          return 0 if n == 0 else ${'- '.repeat(190)}g(n - 1)
        def f(c):
          c['x'] = g(99)
          return c
      function_of_interest: f
`;
  let result: ReturnType<typeof expandMetaConfig> | undefined;
  expect(() => (result = expandMetaConfig(source))).not.toThrow();
  if (result!.ok) return;
  expect(result!.errors).toEqual([
    expect.objectContaining({ code: 'eval.runtime', path: 'sweep_configuration.dy__upsert[0].dy__eval.expression', message: expect.stringMatching(/^RecursionError: the snippet recursed deeper than the evaluator's stack allows \(in f\)/) }),
  ]);
});
