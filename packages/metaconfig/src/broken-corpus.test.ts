/**
 * Acceptance 3: a corpus of broken meta-configurations (fixtures/broken), each rejected with its expected
 * error code at its expected YAML path — and none of them executes anything (the snippets that try to
 * write a marker file must leave no marker behind).
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expandMetaConfig } from './index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'broken');
const MARKER = '/tmp/dgm-ood-metaconfig-pwned';

interface Expectation {
  code: string;
  path: string;
  quirk?: string;
  maxJobs?: number;
  noLine?: boolean;
}

function expectationOf(text: string): Expectation {
  const field = (name: string) => new RegExp(`^# ${name}: (.+)$`, 'm').exec(text)?.[1]?.trim();
  const code = field('expect-code');
  const path = field('expect-path');
  if (code === undefined || path === undefined) throw new Error('fixture lacks expect-code / expect-path');
  const quirk = field('expect-quirk');
  const maxJobs = field('max-jobs');
  return {
    code,
    path,
    ...(quirk ? { quirk } : {}),
    ...(maxJobs ? { maxJobs: Number(maxJobs) } : {}),
    ...(field('expect-line') === 'none' ? { noLine: true } : {}),
  };
}

const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.json')).sort();

describe('broken meta-configurations', () => {
  const evalSpy = vi.spyOn(globalThis, 'eval');
  beforeAll(() => rmSync(MARKER, { force: true }));
  afterAll(() => {
    expect(existsSync(MARKER)).toBe(false);
    expect(evalSpy).not.toHaveBeenCalled();
    evalSpy.mockRestore();
  });

  it('has at least 30 named fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s is rejected with its expected code and path', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const json = file.endsWith('.json');
    const exp = expectationOf(json ? readFileSync(join(dir, file.replace(/\.json$/, '.expect')), 'utf8') : text);
    const result = expandMetaConfig(text, { file, format: json ? 'json' : 'yaml', ...(exp.maxJobs !== undefined ? { maxJobs: exp.maxJobs } : {}) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const match = result.errors.find((e) => e.code === exp.code && e.path === exp.path);
    expect(match, `errors were: ${JSON.stringify(result.errors, null, 1)}`).toBeDefined();
    if (exp.quirk !== undefined) expect(match?.quirk).toBe(exp.quirk);
    for (const e of result.errors) {
      expect(e.path.length).toBeGreaterThan(0);
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.file).toBe(file);
    }
    // Errors about something absent from the file (a missing key) have no line to point at.
    if (!exp.noLine) expect(match?.line, 'the error should point at a line of the file').toBeTypeOf('number');
  });

  it('leaves no marker file behind (no snippet ran code)', () => {
    expect(existsSync(MARKER)).toBe(false);
  });
});
