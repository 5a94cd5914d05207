/**
 * Small dense float64 linear algebra in plain JS (row-major n×n matrices in Float64Array).
 * Used for the 1×1-conv inverse (triangular inverses; tfjs has no triangular solve) and by the Jacobian checks
 * (log|det| through LU with partial pivoting).
 */

/** log|det A| and sign via LU with partial pivoting. A is not modified. */
export function logAbsDet(a: ArrayLike<number>, n: number): { logAbsDet: number; sign: number } {
  if (a.length !== n * n) throw new Error(`logAbsDet: expected ${n * n} entries, got ${a.length}`);
  const m = Float64Array.from(a);
  let sign = 1;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    let piv = k;
    let best = Math.abs(m[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(m[i * n + k]!);
      if (v > best) {
        best = v;
        piv = i;
      }
    }
    if (best === 0) return { logAbsDet: -Infinity, sign: 0 };
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        const t = m[k * n + j]!;
        m[k * n + j] = m[piv * n + j]!;
        m[piv * n + j] = t;
      }
      sign = -sign;
    }
    const d = m[k * n + k]!;
    if (d < 0) sign = -sign;
    acc += Math.log(Math.abs(d));
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k]! / d;
      if (f === 0) continue;
      const ri = i * n;
      const rk = k * n;
      for (let j = k + 1; j < n; j++) m[ri + j] = m[ri + j]! - f * m[rk + j]!;
    }
  }
  return { logAbsDet: acc, sign };
}

/** Inverse of a lower-triangular matrix (only the lower triangle of `l` is read). */
export function invertLowerTriangular(l: ArrayLike<number>, n: number, unitDiagonal: boolean): Float64Array {
  const inv = new Float64Array(n * n);
  // Column j of L⁻¹ solves L·x = e_j by forward substitution; x_i = 0 for i < j.
  for (let j = 0; j < n; j++) {
    for (let i = j; i < n; i++) {
      let s = i === j ? 1 : 0;
      for (let k = j; k < i; k++) s -= l[i * n + k]! * inv[k * n + j]!;
      inv[i * n + j] = unitDiagonal ? s : s / l[i * n + i]!;
    }
  }
  return inv;
}

/** Inverse of an upper-triangular matrix (only the upper triangle of `u` is read). */
export function invertUpperTriangular(u: ArrayLike<number>, n: number, unitDiagonal: boolean): Float64Array {
  const inv = new Float64Array(n * n);
  // Column j of U⁻¹ solves U·x = e_j by back substitution; x_i = 0 for i > j.
  for (let j = 0; j < n; j++) {
    for (let i = j; i >= 0; i--) {
      let s = i === j ? 1 : 0;
      for (let k = i + 1; k <= j; k++) s -= u[i * n + k]! * inv[k * n + j]!;
      inv[i * n + j] = unitDiagonal ? s : s / u[i * n + i]!;
    }
  }
  return inv;
}

/** C = A·B for n×n row-major matrices. */
export function matMul64(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      const rb = k * n;
      const rc = i * n;
      for (let j = 0; j < n; j++) c[rc + j] = c[rc + j]! + aik * b[rb + j]!;
    }
  }
  return c;
}
