/**
 * Eigenvalues (only) of a real symmetric matrix: Householder reduction to tridiagonal form, then the
 * implicit QL algorithm with Wilkinson shifts. Written for the LID spectra (D×D, D = 784…3072), where
 * only eigenvalues are needed: skipping eigenvectors makes it several times faster than a general EVD.
 * `a` is row-major n×n (only symmetric input is meaningful); it is overwritten.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`expected ${n * n} entries for a ${n}×${n} matrix, got ${a.length}`);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(a, n, d, e);
  tridiagonalQl(d, e, n);
  return d.sort();
}

/** A := H A H for Householder reflections H, column by column; d = diagonal, e[k] = subdiagonal (k, k+1). */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const start = k + 1;
    let norm2 = 0;
    for (let i = start; i < n; i++) {
      const x = a[i * n + k]!;
      norm2 += x * x;
    }
    d[k] = a[k * n + k]!;
    const x0 = a[start * n + k]!;
    const norm = Math.sqrt(norm2);
    if (norm === 0) {
      e[k] = 0;
      continue;
    }
    const alpha = x0 > 0 ? -norm : norm;
    e[k] = alpha;
    // v = (x − αe₁)/‖x − αe₁‖
    let vnorm2 = norm2 - x0 * x0;
    v[start] = x0 - alpha;
    vnorm2 += v[start]! * v[start]!;
    if (vnorm2 === 0) continue;
    const inv = 1 / Math.sqrt(vnorm2);
    v[start] = v[start]! * inv;
    for (let i = start + 1; i < n; i++) v[i] = a[i * n + k]! * inv;
    // p = A v on the trailing block; c = vᵀp; q = 2p − 2cv; A −= v qᵀ + q vᵀ.
    let c = 0;
    for (let i = start; i < n; i++) {
      let sum = 0;
      const row = i * n;
      for (let j = start; j < n; j++) sum += a[row + j]! * v[j]!;
      p[i] = sum;
      c += v[i]! * sum;
    }
    for (let i = start; i < n; i++) p[i] = 2 * p[i]! - 2 * c * v[i]!;
    for (let i = start; i < n; i++) {
      const row = i * n;
      const vi = v[i]!;
      const qi = p[i]!;
      for (let j = start; j < n; j++) a[row + j] = a[row + j]! - vi * p[j]! - qi * v[j]!;
    }
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + (n - 2)]!;
    e[n - 2] = a[(n - 1) * n + (n - 2)]!;
  }
  if (n >= 1) d[n - 1] = a[(n - 1) * n + (n - 1)]!;
  e[n - 1] = 0;
}

/** Implicit QL with Wilkinson shifts on the symmetric tridiagonal (d, e); eigenvalues land in d. */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const scale = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * scale) break;
      }
      if (m === l) break;
      if (++iterations > 60) throw new Error('symmetricEigenvalues: QL did not converge');
      let g = (d[l + 1]! - d[l]!) / (2 * e[l]!);
      let r = Math.hypot(g, 1);
      g = d[m]! - d[l]! + e[l]! / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i]!;
        const b = c * e[i]!;
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] = d[i + 1]! - p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1]! - p;
        r = (d[i]! - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
      }
      if (r === 0 && i >= l) continue;
      d[l] = d[l]! - p;
      e[l] = g;
      e[m] = 0;
    }
  }
}
