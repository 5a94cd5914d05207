/** An empty mapping key is named "" in issue paths, so the issue still says where it is. */
import { expect, test } from 'vitest';
import { expandMetaConfig } from './index.js';
import { joinPath } from './issues.js';

test('joinPath writes an empty key as ""', () => {
  expect([joinPath('', ''), joinPath('base_config', ''), joinPath(joinPath('a', ''), 'b')]).toEqual(['""', 'base_config.""', 'a."".b']);
});

test('an unknown empty top-level key is reported at path "" with its line', () => {
  const result = expandMetaConfig('project: p\n"": 1\nbase_config: {a: 1}\n');
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.errors).toContainEqual(expect.objectContaining({ path: '""', line: 2, message: expect.stringMatching(/^unknown top-level key ''/) }));
});
