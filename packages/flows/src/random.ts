/**
 * Deterministic pseudo-random numbers for parameter initialisation, permutations and per-step seeds.
 * Everything that must be reproducible (weights at construction, the 1×1-conv permutations, the dropout and
 * dequantization noise of a given training step) derives from explicit integer seeds through these helpers,
 * so a run can be repeated, and resumed, bit for bit.
 * The generator and the seed hashing (`deriveSeed`, `mix32`) are the engine's (one PRNG for the whole
 * project); this module keeps the flows-facing API on top of them.
 */
import { deriveSeed, Rng as Xoshiro128 } from '@dgm-ood/engine/rng';

// Seed hashing is the engine's too (same functions the flows had, so derived seeds are unchanged).
export { deriveSeed, mix32 } from '@dgm-ood/engine/rng';

/**
 * Seeded generator for weights and permutations, running on the engine's xoshiro128** core (seeded by the
 * engine through SplitMix32). Not cryptographic. Uniforms carry 53 random bits; normals are Box–Muller.
 */
export class Rng {
  private readonly core: Xoshiro128;

  /** `seed` must be finite (the engine's core rejects NaN and ±Infinity with a RangeError). */
  constructor(seed: number) {
    this.core = new Xoshiro128(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.core.uniform();
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.core.uniform();
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    return this.core.normal();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.core.uniform() * n);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }

  fillUniform(out: Float32Array, lo: number, hi: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniformIn(lo, hi);
    return out;
  }

  /** Note the argument order (std before mean), unlike the engine's `fillNormal(out, mean, std)`. */
  fillNormal(out: Float32Array, std = 1, mean = 0): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}

/**
 * A stream of seeds for the random ops of one forward pass (dropout masks, dequantization noise).
 * Seeds depend only on (base, index of the draw), so the same pass with the same base draws the same noise.
 */
export class SeedStream {
  private counter = 0;
  constructor(private readonly base: number) {}
  next(): number {
    return deriveSeed(this.base, this.counter++);
  }
}
