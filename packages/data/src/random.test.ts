import { describe, expect, it } from 'vitest';
import { createRng, seededPermutation } from './random.js';

describe('createRng', () => {
  it('is deterministic per seed and differs across seeds and streams', () => {
    const draw = (seed: number, stream = 0) => {
      const rng = createRng(seed, stream);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(0)).toEqual(draw(0));
    expect(draw(0)).not.toEqual(draw(1));
    expect(draw(0, 0)).not.toEqual(draw(0, 1));
    expect(draw(2 ** 40)).not.toEqual(draw(0));
  });

  it('gives floats in [0,1) with mean ≈ 1/2 and unbiased bounded integers', () => {
    const rng = createRng(7);
    let sum = 0;
    let min = 1;
    let max = 0;
    const counts = new Array(6).fill(0) as number[];
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const u = rng.nextFloat();
      min = Math.min(min, u);
      max = Math.max(max, u);
      sum += u;
      counts[rng.nextInt(6)]! += 1;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
    // each face 10,000 ± 4σ (σ ≈ 91)
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(400);
  });

  it('rejects invalid bounds', () => {
    expect(() => createRng(1).nextInt(0)).toThrow(RangeError);
    expect(() => createRng(Number.NaN)).toThrow(RangeError);
  });
});

describe('seededPermutation', () => {
  it('is a permutation, fixed by the seed', () => {
    const p = seededPermutation(1000, 0);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(seededPermutation(1000, 0)).toEqual(p);
    expect(seededPermutation(1000, 1)).not.toEqual(p);
  });

  it('puts every element in every position with equal frequency', () => {
    // 3 elements → 6 permutations; 6,000 draws with different seeds
    const counts = new Map<string, number>();
    for (let s = 0; s < 6000; s++) {
      const key = seededPermutation(3, s).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(160);
  });

  it('handles the empty and singleton cases', () => {
    expect(seededPermutation(0, 0)).toEqual(new Int32Array(0));
    expect(seededPermutation(1, 0)).toEqual(new Int32Array([0]));
  });
});
