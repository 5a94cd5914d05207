import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from './checkpoint.js';
import { TorchIoError } from './errors.js';
import { unpickle, type PyValue } from './torch-unpickler.js';

const STOP = 0x2e;
const run = (...ops: number[]): PyValue => unpickle(Uint8Array.from([0x80, 2, ...ops, STOP]), { entry: 't' }).value;
const codeOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof TorchIoError) return e.code;
    throw e;
  }
};

describe('unpickle', () => {
  it('decodes the scalar opcodes torch pickles use', () => {
    expect(run(0x8a, 1, 0xfe)).toBe(-2); // LONG1
    expect(run(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1)).toBe(2n ** 64n); // LONG1 beyond 2^53 stays a bigint
    expect(run(0x4a, 0xff, 0xff, 0xff, 0xff)).toBe(-1); // BININT
    expect(run(0x47, 0x3f, 0xc0, 0, 0, 0, 0, 0, 0)).toBe(0.125); // BINFLOAT, big-endian
    expect(run(0x5d, 0x4b, 1, 0x61, 0x28, 0x88, 0x4e, 0x65)).toEqual([1, true, null]); // EMPTY_LIST APPEND MARK APPENDS
  });

  it('refuses unknown opcodes and malformed stacks with a coded error at the opcode', () => {
    expect(() => run(0x69)).toThrow(/unsupported opcode 0x69.*byte 2/); // INST: old-style class instantiation
    expect(codeOf(() => run(0x73))).toBe('DGM_TORCH_IO_PICKLE_INVALID'); // SETITEM on an empty stack
    expect(codeOf(() => run(0x68, 7))).toBe('DGM_TORCH_IO_PICKLE_INVALID'); // BINGET of an unset memo
    expect(codeOf(() => unpickle(Uint8Array.of(0x80, 2, 0x58, 0xff, 0, 0, 0), { entry: 't' }))).toBe('DGM_TORCH_IO_TRUNCATED');
    expect(codeOf(() => unpickle(Uint8Array.of(0x80, 2, 0x4e), { entry: 't' }))).toBe('DGM_TORCH_IO_TRUNCATED'); // no STOP
  });

  it('refuses a REDUCE of an allowed global with the wrong arguments, and a view outside its storage', () => {
    const g = (s: string) => [0x63, ...Buffer.from(s.replace(' ', '\n')), 0x0a];
    const str = (s: string) => [0x8c, s.length, ...Buffer.from(s)];
    // _rebuild_tensor_v2(storage('0', float, 4 elements), offset 2, size (3,), stride (1,)) reaches element 4.
    const ops = [
      ...g('torch._utils _rebuild_tensor_v2'),
      0x28,
      0x28, ...str('storage'), ...g('torch FloatStorage'), ...str('0'), ...str('cpu'), 0x4b, 4, 0x74, 0x51,
      0x4b, 2, 0x4b, 3, 0x85, 0x4b, 1, 0x85, 0x89, 0x4e,
      0x74, 0x52,
    ];
    expect(() => run(...ops)).toThrow(/view reaches element 4 of storage 0 which has 4/);
    expect(() => run(...g('collections OrderedDict'), 0x4b, 1, 0x85, 0x52)).toThrow(/OrderedDict with arguments/);
  });
});

describe('hostile structure in a checkpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torch-io-pkl-'));
  const legacy = (main: number[]): string => {
    // magic, protocol 1001, sys_info {}, main, storage keys []
    const magic = [0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, STOP];
    const bytes = [...magic, 0x80, 2, 0x4d, 0xe9, 0x03, STOP, 0x80, 2, 0x7d, STOP, 0x80, 2, ...main, STOP, 0x80, 2, 0x5d, STOP];
    const path = join(dir, `h${main.length}.pt`);
    writeFileSync(path, Uint8Array.from(bytes));
    return path;
  };

  it('an empty legacy checkpoint loads', async () => {
    const ckpt = await loadCheckpoint(legacy([0x7d]));
    expect(ckpt.tensors.size).toBe(0);
    await ckpt.close();
  });

  it('a list that contains itself is an error, not a stack overflow', async () => {
    // {'a': L} where L = []; L.append(L)
    const main = [0x7d, 0x8c, 1, 0x61, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x73];
    await expect(loadCheckpoint(legacy(main))).rejects.toMatchObject({ code: 'DGM_TORCH_IO_PICKLE_INVALID', message: expect.stringMatching(/deeper than 64/) });
  });

  it('a memo "billion laughs" (each list holds the previous one twice) stops quickly', async () => {
    const main = [0x7d, 0x8c, 1, 0x61, 0x5d, 0x71, 0];
    for (let i = 0; i < 40; i++) main.push(0x68, 0, 0x86, 0x71, 0); // t = (t, t): the top and its memo copy
    main.push(0x73);
    const started = Date.now();
    await expect(loadCheckpoint(legacy(main))).rejects.toMatchObject({ code: 'DGM_TORCH_IO_PICKLE_INVALID', message: expect.stringMatching(/more than 1000000 values/) });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
