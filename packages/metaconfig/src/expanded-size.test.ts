/** What a meta-configuration expands to is bounded in size, not only its body: aliases and grids multiply text. */
import { expect, test } from 'vitest';
import { expandMetaConfig, MAX_TOTAL_CONFIG_BYTES } from './expand.js';
import { MAX_EXPANDED_TEXT_BYTES } from './yaml11.js';

test('aliases of one large scalar that expand past the text bound are refused before any job is built', () => {
  const big = 'x'.repeat(1024 * 1024); // 1 MB, aliased 40 times: 40 MB of text from a 1 MB body
  const aliases = Array.from({ length: 40 }, (_, i) => `  k${i}: *big`).join('\n');
  const source = `project: p\nbase_config:\n  anchor: &big ${big}\n${aliases}\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n`;
  const result = expandMetaConfig(source);
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.errors[0]).toMatchObject({ code: 'yaml.too_large', path: 'base_config' });
    expect(result.errors[0]!.message).toContain(`more than ${MAX_EXPANDED_TEXT_BYTES}`);
  }
});

test('the same aliases under the bound expand as before', () => {
  const source = `project: p\nbase_config:\n  a: &v ${'y'.repeat(1000)}\n  b: *v\nsweep_configuration:\n  n: {sweep: true, values: [1, 2]}\n`;
  const result = expandMetaConfig(source);
  expect(result.ok).toBe(true);
  if (result.ok) expect((result.jobs[0]!.config as { b: string }).b).toHaveLength(1000);
});

test("a grid whose jobs' configs add up past the total bound stops with a located error, not an out-of-memory", () => {
  // 8 MB of base config (under the text bound) × 40 grid points = 320 MB of configs.
  const source = `project: p\nbase_config:\n  blob: ${'z'.repeat(8 * 1024 * 1024)}\nsweep_configuration:\n  n: {sweep: true, values: [${Array.from({ length: 40 }, (_, i) => i).join(', ')}]}\n`;
  const result = expandMetaConfig(source);
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.errors[0]).toMatchObject({ code: 'grid.too_large', path: 'base_config' });
    expect(result.errors[0]!.message).toContain(`more than ${MAX_TOTAL_CONFIG_BYTES} characters after 32 of 40 jobs`);
  }
});
