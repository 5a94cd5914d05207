/**
 * Normwise relative error max|a−b| / max(max|a|, floor): insensitive to entries near zero (where an
 * elementwise relative error means nothing in float32), strict wherever the values have scale.
 */
export function relativeError(reference: ArrayLike<number>, actual: ArrayLike<number>, floor = 1e-6): number {
  if (reference.length !== actual.length) return Number.POSITIVE_INFINITY;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    const a = actual[i]!;
    if (Number.isNaN(r) !== Number.isNaN(a)) return Number.POSITIVE_INFINITY;
    if (Number.isNaN(r)) continue;
    diff = Math.max(diff, Math.abs(r - a));
    scale = Math.max(scale, Math.abs(r));
  }
  return diff / Math.max(scale, floor);
}
