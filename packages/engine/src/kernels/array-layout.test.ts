import { describe, expect, it } from 'vitest';
import { Rng } from '../autodiff/rng.js';
import { simplifyTranspose, sliceInto, transposeInto } from './array-layout.mjs';

function naiveTranspose(x: Float32Array, shape: number[], perm: number[]): Float32Array {
  const r = shape.length;
  const outShape = perm.map((a) => shape[a]!);
  const st = (s: number[]) => s.map((_, i) => s.slice(i + 1).reduce((p, q) => p * q, 1));
  const inSt = st(shape);
  const outSt = st(outShape);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let rem = i;
    let src = 0;
    for (let k = 0; k < r; k++) {
      const idx = Math.floor(rem / outSt[k]!);
      rem -= idx * outSt[k]!;
      src += idx * inSt[perm[k]!]!;
    }
    out[i] = x[src]!;
  }
  return out;
}

function randomPerm(rng: Rng, r: number): number[] {
  const p = Array.from({ length: r }, (_, i) => i);
  for (let i = r - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

describe('transposeInto', () => {
  it('simplifies to the smallest equivalent problem', () => {
    expect(simplifyTranspose([64, 14, 14, 64], [0, 3, 1, 2])).toEqual({ shape: [64, 196, 64], perm: [0, 2, 1] });
    expect(simplifyTranspose([64, 14, 14, 64], [3, 1, 2, 0])).toEqual({ shape: [64, 196, 64], perm: [2, 1, 0] });
    expect(simplifyTranspose([2, 1, 3], [1, 0, 2])).toEqual({ shape: [6], perm: [0] });
  });

  it('matches a naive transpose on random shapes and permutations up to rank 6', () => {
    const rng = new Rng(1);
    for (let trial = 0; trial < 300; trial++) {
      const r = 1 + Math.floor(rng.uniform() * 6);
      const shape = Array.from({ length: r }, () => 1 + Math.floor(rng.uniform() * (r > 4 ? 4 : 19)));
      const perm = randomPerm(rng, r);
      const n = shape.reduce((p, q) => p * q, 1);
      const x = rng.fillUniform(new Float32Array(n)) as Float32Array;
      const out = new Float32Array(n);
      transposeInto(x, shape, perm, out);
      expect(Array.from(out), `shape ${shape} perm ${perm}`).toEqual(Array.from(naiveTranspose(x, shape, perm)));
    }
  });
});

describe('sliceInto', () => {
  it('matches index arithmetic on random slices', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 300; trial++) {
      const r = 1 + Math.floor(rng.uniform() * 5);
      const shape = Array.from({ length: r }, () => 1 + Math.floor(rng.uniform() * 9));
      const begin = shape.map((d) => Math.floor(rng.uniform() * d));
      const size = shape.map((d, i) => 1 + Math.floor(rng.uniform() * (d - begin[i]!)));
      const n = shape.reduce((p, q) => p * q, 1);
      const x = Float32Array.from({ length: n }, (_, i) => i);
      const out = new Float32Array(size.reduce((p, q) => p * q, 1));
      sliceInto(x, shape, begin, size, out);
      const expected: number[] = [];
      const walk = (axis: number, offset: number) => {
        if (axis === r) {
          expected.push(offset);
          return;
        }
        const stride = shape.slice(axis + 1).reduce((p, q) => p * q, 1);
        for (let i = begin[axis]!; i < begin[axis]! + size[axis]!; i++) walk(axis + 1, offset + i * stride);
      };
      walk(0, 0);
      expect(Array.from(out)).toEqual(expected);
    }
  });
});
