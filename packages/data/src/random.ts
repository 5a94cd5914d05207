/**
 * The package's own seeded PRNG: xoshiro128** (Blackman & Vigna), seeded through splitmix32 so that
 * nearby seeds give unrelated streams. Deterministic across platforms (32-bit integer arithmetic only).
 * Bit-exact parity with upstream's NumPy/torch permutations is not a goal (docs/reference-notes.md §1.1).
 * The generator itself is the engine's; this module keeps its own seeding (seed, stream) so splits stay as they were.
 */
import { Rng as Xoshiro128 } from '@dgm-ood/engine/rng';

export interface Rng {
  /** Uniform integer in [0, 2^32). */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, n), unbiased (rejection sampling). Requires 1 ≤ n ≤ 2^32. */
  nextInt(n: number): number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * A generator for `seed` (any finite number; non-integers and values beyond 32 bits are folded in).
 * `stream` selects an independent sequence for the same seed (e.g. one per epoch).
 */
export function createRng(seed: number, stream = 0): Rng {
  if (!Number.isFinite(seed) || !Number.isFinite(stream)) throw new RangeError(`seed must be finite, got ${seed}/${stream}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  const mix = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream >>> 0, 0x165667b1));
  let a = mix();
  const [b, c, d] = [mix(), mix(), mix()];
  if ((a | b | c | d) === 0) a = 1; // the all-zero state is a fixed point
  const core = Xoshiro128.fromState([a, b, c, d]);
  const nextUint32 = (): number => core.nextUint32();
  return {
    nextUint32,
    nextFloat: () => nextUint32() / 4294967296,
    nextInt(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`nextInt needs an integer in [1, 2^32], got ${n}`);
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = nextUint32();
        if (x < limit) return x % n;
      }
    },
  };
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates), fixed by `seed`. */
export function seededPermutation(n: number, seed: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const rng = createRng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const tmp = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = tmp;
  }
  return perm;
}
