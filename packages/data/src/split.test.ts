import { describe, expect, it } from 'vitest';
import { selectSplit, type SplitScheme } from './split.js';
import { ROLES } from './types.js';

const sorted = (a: Int32Array) => [...a].sort((x, y) => x - y);
const all = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('selectSplit', () => {
  it('standard: valid = first ⌊vf·N⌋ of the permutation, train = the rest, test = whole pool permuted', () => {
    const s: SplitScheme = { kind: 'standard' };
    const train = selectSplit(s, 60_000, 'train', 0.1, 0);
    const valid = selectSplit(s, 60_000, 'valid', 0.1, 0);
    expect(train.length).toBe(54_000);
    expect(valid.length).toBe(6_000);
    expect(sorted(new Int32Array([...train, ...valid]))).toEqual(all(60_000));
    const test = selectSplit(s, 10_000, 'test', 0.1, 0);
    expect(sorted(test)).toEqual(all(10_000));
    expect([...test]).not.toEqual(all(10_000)); // permuted
    // OOD runs: vf = 0 → the train role is the whole pool
    expect(selectSplit(s, 100, 'train', 0, 0).length).toBe(100);
    expect(selectSplit(s, 100, 'valid', 0, 0).length).toBe(0);
  });

  it('standard: deterministic per seed, different across seeds', () => {
    const s: SplitScheme = { kind: 'standard' };
    expect(selectSplit(s, 500, 'valid', 0.1, 0)).toEqual(selectSplit(s, 500, 'valid', 0.1, 0));
    expect(selectSplit(s, 500, 'valid', 0.1, 0)).not.toEqual(selectSplit(s, 500, 'valid', 0.1, 1));
  });

  it('holdout (EMNIST): test = first 10%, valid = vf of the remainder — the documented counts', () => {
    const s: SplitScheme = { kind: 'holdout', validOf: 'rest' };
    const n = 697_932;
    const test = selectSplit(s, n, 'test', 0.1, 0);
    const valid = selectSplit(s, n, 'valid', 0.1, 0);
    const train = selectSplit(s, n, 'train', 0.1, 0);
    expect(test.length).toBe(69_793);
    expect(valid.length).toBe(Math.floor(0.1 * (n - 69_793)));
    expect(train.length + valid.length + test.length).toBe(n);
    expect(new Set([...test, ...valid, ...train]).size).toBe(n);
  });

  it('holdout (Omniglot): valid = ⌊vf·N⌋ of the whole pool', () => {
    const s: SplitScheme = { kind: 'holdout', validOf: 'all' };
    const n = 19_280;
    expect(selectSplit(s, n, 'test', 0.1, 0).length).toBe(1_928);
    expect(selectSplit(s, n, 'valid', 0.1, 0).length).toBe(1_928);
    expect(selectSplit(s, n, 'train', 0.1, 0).length).toBe(n - 2 * 1_928);
  });

  it('celeba-small: train ⌊0.9(1−vf)N⌋, valid ⌊0.9·vf·N⌋, test the rest', () => {
    const s: SplitScheme = { kind: 'celeba-small' };
    const n = 4_754;
    // OOD runs (vf = 0): test = N − ⌊0.9N⌋
    expect(selectSplit(s, n, 'test', 0, 0).length).toBe(n - Math.floor(0.9 * n));
    const parts = ROLES.map((r) => selectSplit(s, n, r, 0.1, 0));
    expect(parts.map((p) => p.length)).toEqual([Math.floor(0.9 * 0.9 * n), Math.floor(0.9 * 0.1 * n), n - Math.floor(0.9 * 0.9 * n) - Math.floor(0.9 * 0.1 * n)]);
    expect(new Set(parts.flatMap((p) => [...p])).size).toBe(n);
  });

  it('train-valid (Tiny-ImageNet): test is unpermuted, train/valid partition the pool', () => {
    const s: SplitScheme = { kind: 'train-valid' };
    expect([...selectSplit(s, 7, 'test', 0.1, 0)]).toEqual(all(7));
    const train = selectSplit(s, 110_000, 'train', 0.1, 0);
    const valid = selectSplit(s, 110_000, 'valid', 0.1, 0);
    expect(train.length).toBe(99_000);
    expect(sorted(new Int32Array([...train, ...valid]))).toEqual(all(110_000));
  });

  it('as-is keeps file order for every role', () => {
    for (const role of ROLES) expect([...selectSplit({ kind: 'as-is' }, 4, role, 0.1, 0)]).toEqual([0, 1, 2, 3]);
  });

  it('rejects a valid fraction outside [0, 1)', () => {
    expect(() => selectSplit({ kind: 'standard' }, 10, 'train', 1, 0)).toThrow(/validFraction/);
    expect(() => selectSplit({ kind: 'standard' }, 10, 'train', -0.1, 0)).toThrow(/validFraction/);
  });
});
