/** Row-major JᵀJ for a diagonal J with the given singular values (test input with a known spectrum). */
export const gramOfDiagonal = (singular: number[]): Float64Array => {
  const n = singular.length;
  const g = new Float64Array(n * n);
  singular.forEach((s, i) => (g[i * n + i] = s * s));
  return g;
};
