import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, TorchIoError, unpickle } from './index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');
const fixture = (name: string): string => join(FIXTURES, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')) as {
  tensors: Record<string, { dtype: string; shape: number[]; sha256: string }>;
  values: Record<string, unknown>;
  widened: Record<string, number[]>;
};
const MARKER = 'torch-io-pwned-marker';

async function summary(path: string): Promise<Record<string, { dtype: string; shape: number[]; sha256: string }>> {
  const ckpt = await loadCheckpoint(path);
  try {
    const out: Record<string, { dtype: string; shape: number[]; sha256: string }> = {};
    for (const t of ckpt.tensors.values()) {
      out[t.name] = { dtype: t.dtype, shape: t.shape, sha256: createHash('sha256').update(await ckpt.readBytes(t)).digest('hex') };
    }
    return out;
  } finally {
    await ckpt.close();
  }
}

describe.each([
  // [format, file]: the zip archive at pickle protocols 2 and 4, and the legacy format
  ['zip', 'checkpoint-zip.pt'],
  ['legacy', 'checkpoint-legacy.pt'],
  ['zip', 'checkpoint-zip-p4.pt'],
])('the %s format', (format, file) => {
  it('gives exactly the names, dtypes, shapes and sha256 PyTorch computed', async () => {
    expect(await summary(fixture(file))).toEqual(expected.tensors);
  });

  it('keeps the non-tensor entries, resolves shared storages and views, and materialises typed values', async () => {
    const ckpt = await loadCheckpoint(fixture(file));
    try {
      expect(ckpt.format).toBe(format);
      for (const [k, v] of Object.entries(expected.values)) expect(ckpt.values.get(k)).toEqual(v);
      expect(ckpt.values.get('opt_state_dict.param_groups')).toEqual([{ lr: 0.001, betas: [0.9, 0.999], params: [0, 1] }]);
      const base = ckpt.tensors.get('module_state_dict.base')!;
      const transposed = ckpt.tensors.get('module_state_dict.base_t')!;
      const slice = ckpt.tensors.get('module_state_dict.base_slice')!;
      expect(transposed.storage).toBe(base.storage);
      expect(slice.storage).toBe(base.storage);
      // base = arange(12).reshape(3,4) * 0.5 - 1
      const b = Array.from({ length: 12 }, (_, i) => i * 0.5 - 1);
      expect(Array.from((await ckpt.read(base)) as Float32Array)).toEqual(b);
      expect(Array.from((await ckpt.read(transposed)) as Float32Array)).toEqual([0, 1, 2, 3].flatMap((c) => [0, 1, 2].map((r) => b[r * 4 + c])));
      expect(Array.from((await ckpt.read(slice)) as Float32Array)).toEqual([b[5], b[6], b[9], b[10]]);
      expect(Array.from((await ckpt.read(ckpt.tensors.get('module_state_dict.steps')!)) as BigInt64Array)).toEqual([1n, -2n, 2n ** 40n, -(2n ** 62n)]);
      expect(Array.from((await ckpt.read(ckpt.tensors.get('module_state_dict.mask')!)) as Uint8Array)).toEqual([1, 0, 1]);
      expect(Array.from((await ckpt.read(ckpt.tensors.get('module_state_dict.scalar')!)) as Float32Array)).toEqual([3.25]);
      expect(ckpt.tensors.get('module_state_dict.conv.bias')!.requiresGrad).toBe(true);
      for (const [name, floats] of Object.entries(expected.widened)) {
        const values = await ckpt.read(ckpt.tensors.get(name)!);
        expect(values).toBeInstanceOf(Float32Array);
        expect(Array.from(values as Float32Array), name).toEqual(floats);
      }
    } finally {
      await ckpt.close();
    }
  });
});

describe('malicious pickles', () => {
  it('refuses posix.system at its GLOBAL opcode and runs nothing', () => {
    const bytes = readFileSync(fixture('malicious-os-system.pkl'));
    let error: unknown;
    try {
      unpickle(bytes, { entry: 'malicious-os-system.pkl' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TorchIoError);
    expect((error as TorchIoError).code).toBe('DGM_TORCH_IO_GLOBAL_REFUSED');
    expect((error as TorchIoError).message).toMatch(/posix\.system/);
    expect((error as TorchIoError).offset).toBe(2);
    expect(existsSync(MARKER)).toBe(false);
  });

  it('refuses the same pickle given as a checkpoint file (legacy format: its first pickle)', async () => {
    await expect(loadCheckpoint(fixture('malicious-os-system.pkl'))).rejects.toMatchObject({ code: 'DGM_TORCH_IO_GLOBAL_REFUSED', entry: 'magic number', offset: 2 });
    expect(existsSync(MARKER)).toBe(false);
  });

  it('refuses a checkpoint whose data.pkl names builtins.eval, naming the entry', async () => {
    const error = await loadCheckpoint(fixture('malicious-eval.pt')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TorchIoError);
    expect((error as TorchIoError).code).toBe('DGM_TORCH_IO_GLOBAL_REFUSED');
    expect((error as TorchIoError).message).toMatch(/builtins\.eval/);
    expect((error as TorchIoError).entry).toBe('archive/data.pkl');
    expect(existsSync(MARKER)).toBe(false);
  });

  it('refuses a hand-made pickle of subprocess.Popen via STACK_GLOBAL', () => {
    const enc = (s: string) => [0x8c, s.length, ...Buffer.from(s)];
    const bytes = Uint8Array.from([0x80, 4, ...enc('subprocess'), ...enc('Popen'), 0x93, 0x2e]);
    expect(() => unpickle(bytes, { entry: 'x' })).toThrow(/refusing global subprocess\.Popen.*byte 21/);
  });
});

describe('damaged files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torch-io-'));

  async function outcome(bytes: Uint8Array, name: string): Promise<string> {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    try {
      await summary(path);
      return 'ok';
    } catch (e) {
      if (e instanceof TorchIoError) return e.code;
      throw e; // a crash: the test fails with it
    }
  }

  it.each(['checkpoint-zip.pt', 'checkpoint-legacy.pt', 'checkpoint-zip-p4.pt'])('%s cut at any of many offsets: one TorchIoError each, never a crash', async (file) => {
    const whole = readFileSync(fixture(file));
    const cuts = new Set([0, 1, 3, 4, 10, 30, 64, 100, 200, 500, 1000, 1500, 2000, whole.length - 100, whole.length - 22, whole.length - 1]);
    for (let c = 0; c < whole.length; c += 97) cuts.add(c);
    for (const cut of cuts) {
      const code = await outcome(whole.subarray(0, cut), `cut-${cut}-${file}`);
      expect(code, `cut at ${cut}`).not.toBe('ok');
      expect(code, `cut at ${cut}`).toMatch(/^DGM_TORCH_IO_/);
    }
  });

  it('a corrupted byte in the zip format is a TorchIoError wherever it lands (CRC-checked)', async () => {
    const whole = readFileSync(fixture('checkpoint-zip.pt'));
    for (let at = 0; at < whole.length; at += 13) {
      const bad = Uint8Array.from(whole);
      bad[at] = bad[at]! ^ 0x5a;
      const code = await outcome(bad, `flip-${at}.pt`);
      // A flipped byte in unused fields (timestamps, padding, comments) is harmless; anything else is caught.
      if (code !== 'ok') expect(code, `flip at ${at}`).toMatch(/^DGM_TORCH_IO_/);
    }
    // A byte of a storage's values is caught by its CRC-32.
    const bad = Uint8Array.from(whole);
    const header = whole.indexOf(Buffer.from('checkpoint-zip/data/0'));
    const start = header + 'checkpoint-zip/data/0'.length + whole.readUInt16LE(header - 2);
    bad[start + 5] = bad[start + 5]! ^ 0x01;
    writeFileSync(join(dir, 'flip-data.pt'), bad);
    await expect(summary(join(dir, 'flip-data.pt'))).rejects.toMatchObject({ code: 'DGM_TORCH_IO_ZIP_INVALID', message: expect.stringMatching(/CRC-32 mismatch.*entry checkpoint-zip\/data\/0/) });
  });

  it('a corrupted byte in the legacy format never crashes', async () => {
    const whole = readFileSync(fixture('checkpoint-legacy.pt'));
    for (let at = 0; at < whole.length; at += 11) {
      const bad = Uint8Array.from(whole);
      bad[at] = bad[at]! ^ 0xa5;
      const code = await outcome(bad, `lflip-${at}.pt`);
      if (code !== 'ok') expect(code).toMatch(/^DGM_TORCH_IO_/);
    }
  });

  it('a file that is no checkpoint at all', async () => {
    expect(await outcome(Buffer.from('hello world'), 'text.pt')).toBe('DGM_TORCH_IO_UNKNOWN_FORMAT');
    await expect(loadCheckpoint(join(dir, 'missing.pt'))).rejects.toMatchObject({ code: 'DGM_TORCH_IO_UNREADABLE' });
  });
});
