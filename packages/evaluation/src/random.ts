/** Seeded PRNG (mulberry32): deterministic subsampling for the reference protocol. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers from [0, n), uniformly (Floyd's algorithm: O(count) memory). */
export function sampleWithoutReplacement(n: number, count: number, random: () => number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen];
}
