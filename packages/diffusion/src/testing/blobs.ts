import type { Rng } from '@dgm-ood/engine/rng';

/**
 * n raw 8×8 grayscale images (0..255, row-major, NHWC with C = 1): one Gaussian blob each, centred uniformly in
 * [2, 6)², peak 230 — a distribution small models learn in a few hundred steps.
 */
export function blobPixels(rng: Rng, n: number): Float32Array {
  const d = new Float32Array(n * 64);
  for (let i = 0; i < n; i++) {
    const cx = 2 + 4 * rng.uniform();
    const cy = 2 + 4 * rng.uniform();
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) d[i * 64 + y * 8 + x] = Math.min(255, Math.floor(230 * Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 3)));
  }
  return d;
}
