import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { memoryIo } from '../test-io.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../packages/torch-io/src/__fixtures__');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  tensors: Record<string, { dtype: string; shape: number[]; sha256: string }>;
};

describe('dgm-ood checkpoint inspect', () => {
  it('--json lists every tensor with the sha256 PyTorch computed, and the non-tensor entries', async () => {
    const io = memoryIo();
    expect(await runCli(['checkpoint', 'inspect', join(FIXTURES, 'checkpoint-legacy.pt'), '--json'], io)).toBe(0);
    expect(io.err).toBe('');
    const out = JSON.parse(io.out);
    expect(out.ok).toBe(true);
    expect(out.format).toBe('legacy');
    expect(Object.fromEntries(out.tensors.map((t: { name: string; dtype: string; shape: number[]; sha256: string }) => [t.name, { dtype: t.dtype, shape: t.shape, sha256: t.sha256 }]))).toEqual(expected.tensors);
    expect(out.values).toMatchObject({ epoch: 7, best_loss: 0.125, name: 'glow-tiny', flags: [true, false, null] });
  });

  it('prints a table: one row per tensor with dtype, shape and hash', async () => {
    const io = memoryIo();
    expect(await runCli(['checkpoint', 'inspect', join(FIXTURES, 'checkpoint-zip.pt')], io)).toBe(0);
    const lines = io.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`torch checkpoint \\(zip format\\), ${Object.keys(expected.tensors).length} tensors$`));
    expect(lines[1]).toMatch(/^name\s+dtype\s+shape\s+sha256$/);
    const row = lines.find((l) => l.startsWith('module_state_dict.base_t '))!;
    expect(row.split(/\s{2,}/)).toEqual(['module_state_dict.base_t', 'float32', '[4, 3]', expected.tensors['module_state_dict.base_t']!.sha256]);
    expect(io.out).toContain('  epoch = 7\n');
  });

  it('refuses a malicious checkpoint with exit 2 and the coded error', async () => {
    const io = memoryIo();
    expect(await runCli(['checkpoint', 'inspect', join(FIXTURES, 'malicious-eval.pt')], io)).toBe(2);
    expect(io.out).toBe('');
    expect(io.err).toMatch(/refusing global builtins\.eval.*entry archive\/data\.pkl.*\[DGM_TORCH_IO_GLOBAL_REFUSED\]/);
    const json = memoryIo();
    expect(await runCli(['checkpoint', 'inspect', join(FIXTURES, 'malicious-eval.pt'), '--json'], json)).toBe(2);
    expect(JSON.parse(json.out).error).toMatchObject({ code: 'DGM_TORCH_IO_GLOBAL_REFUSED', entry: 'archive/data.pkl' });
  });

  it('usage errors', async () => {
    const io = memoryIo();
    expect(await runCli(['checkpoint', 'show', 'x.pt'], io)).toBe(1);
    expect(io.err).toContain('usage: dgm-ood checkpoint inspect FILE [--json]');
  });
});
