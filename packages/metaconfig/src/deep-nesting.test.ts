/** Deeply nested documents are refused, located, in words a user can act on (not the reader's stack overflow). */
import { expect, test } from 'vitest';
import { expandMetaConfig } from './index.js';
import { MAX_NESTING } from './yaml11.js';

test('brackets nested 10,000 deep: a yaml.syntax issue saying the document nests too deeply, with its line', () => {
  const result = expandMetaConfig(`project: p\nbase_config: {a: ${'['.repeat(10_000)}1${']'.repeat(10_000)}}\n`);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toEqual([expect.objectContaining({ code: 'yaml.syntax', path: '<document>', line: 2, message: expect.stringMatching(/^YAML syntax error: nested too deeply to read at line 2, column \d+/) })]);
});

test('a value nested deeper than MAX_NESTING is refused at load with its path and line; MAX_NESTING levels are read', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const source = (depth: number) => `project: p\nbase_config:\n  a: ${nested(depth)}\nsweep_configuration: {b: {sweep: true, values: [1]}}\n`;
  const result = expandMetaConfig(source(MAX_NESTING + 50), { format: 'yaml' });
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toEqual([expect.objectContaining({ code: 'yaml.too_deep', path: `base_config.a${'[0]'.repeat(MAX_NESTING - 1)}`, line: 3, message: 'the document nests more than 256 levels deep here' })]);
  // Two levels are base_config and its key `a`.
  expect(expandMetaConfig(source(MAX_NESTING - 2)).ok).toBe(true);
  expect(expandMetaConfig(JSON.stringify({ project: 'p', base_config: { a: JSON.parse(nested(MAX_NESTING + 1)) } }), { format: 'json' })).toMatchObject({ ok: false, errors: [{ code: 'yaml.too_deep' }] });
});
