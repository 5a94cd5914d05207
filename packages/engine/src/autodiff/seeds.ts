/**
 * Seed derivation: turns structured integers (seed, step, tag, …) into well-spread 32-bit seeds, so that every
 * random draw of a run (initial weights, the noise of a given training step, probes) is a function of explicit
 * integers and a run can be repeated, and resumed, bit for bit.
 */

/** 32-bit mixing hash (splitmix32 finaliser). */
export function mix32(a: number): number {
  let z = (a + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Combine several integers into one 32-bit seed. */
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
