/**
 * Deterministic pseudo-random numbers for parameter initialisation, permutations and per-step seeds.
 * Everything that must be reproducible (weights at construction, the 1×1-conv permutations, the dropout and
 * dequantization noise of a given training step) derives from explicit integer seeds through these helpers,
 * so a run can be repeated, and resumed, bit for bit.
 */

/** 32-bit mixing hash (splitmix32 finaliser): turns structured inputs into well-spread seeds. */
export function mix32(a: number): number {
  let z = (a + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Combine several integers (seed, step, tag, …) into one 32-bit seed. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    if (!Number.isFinite(p)) throw new RangeError(`deriveSeed: non-finite part ${p}`);
    // Fold in both halves so that values above 2^32 (e.g. large step counts) still matter.
    h = mix32(h ^ mix32(p >>> 0));
    h = mix32(h ^ Math.floor(p / 4294967296));
  }
  return h;
}

/** Small, fast PRNG (mulberry32). Not cryptographic; plenty for weights and permutations. */
export class Rng {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.state = mix32(seed >>> 0) | 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u = 0;
    while (u <= 1e-300) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
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
