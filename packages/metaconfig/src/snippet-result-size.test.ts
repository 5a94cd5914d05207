/** A snippet's result is bounded by the values it holds, not by how cheaply it was built. */
import { expect, test } from 'vitest';
import { expandMetaConfig } from './index.js';

const sweep = (expression: string) => `project: p\nbase_config: {a: 1}\nsweep_configuration:\n  b: {sweep: true, values: [0, 1]}\n  c: ${JSON.stringify(`dy__eval(lambda x: ${expression})`)}\n`;

test('[[0]*10**4]*10**4 (one list held 10^4 times: 10^8 values to copy and write) is a MemoryError at once, located', () => {
  const result = expandMetaConfig(sweep('[[0]*10**4]*10**4'));
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toHaveLength(1);
  expect(result.errors[0]).toMatchObject({ code: 'eval.runtime', path: 'sweep_configuration.c', line: 5 });
  expect(result.errors[0]!.message).toMatch(/^MemoryError: the result of 'lambda' holds more than 2000000 values/);
});

test('a result of a million values is still accepted', () => {
  const result = expandMetaConfig(sweep('[0]*(10**6)'));
  expect(result.ok && result.jobs.map((j) => j.configJson.length)).toEqual([2_000_019, 2_000_019]);
});
