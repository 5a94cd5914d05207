/**
 * Eigenvalues (only) of a real symmetric matrix: Householder reduction to tridiagonal form, then the
 * implicit QL algorithm with Wilkinson shifts. Written for the LID spectra (D×D, D = 784…3072), where
 * only eigenvalues are needed: skipping eigenvectors makes it several times faster than a general EVD.
 * `a` is row-major n×n; only its lower triangle is read (it is meant to be symmetric), and it is overwritten.
 */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  if (a.length !== n * n) throw new RangeError(`expected ${n * n} entries for a ${n}×${n} matrix, got ${a.length}`);
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  tridiagonalize(a, n, d, e);
  tridiagonalQl(d, e, n);
  return d.sort();
}

/**
 * Householder reduction of a symmetric matrix to tridiagonal form (d: diagonal, e[k]: subdiagonal (k+1, k)),
 * reading and updating only the lower triangle, with each step's rank-2 update fused with the next step's
 * matrix-vector product: one sweep over half of the trailing block per step instead of two over all of it.
 */
function tridiagonalize(a: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  e.fill(0);
  if (n <= 2) {
    if (n >= 1) d[0] = a[0]!;
    if (n === 2) {
      e[0] = a[2]!;
      d[1] = a[3]!;
    }
    return;
  }
  // Step k reflects rows/columns k+1…n−1 with H = I − 2vvᵀ (‖v‖ = 1) and updates A ← A − v qᵀ − q vᵀ,
  // q = 2p − 2(vᵀp)v, p = A v. Two buffers each, for the step being finished and the one being set up.
  let v = new Float64Array(n);
  let q = new Float64Array(n);
  let vNext = new Float64Array(n);
  let qNext = new Float64Array(n);
  // Householder vector of column k (entries k+1…n−1) into `out`; false when the column needs no reflection.
  const reflector = (k: number, out: Float64Array): boolean => {
    const start = k + 1;
    let norm2 = 0;
    for (let i = start; i < n; i++) {
      const x = a[i * n + k]!;
      norm2 += x * x;
    }
    const x0 = a[start * n + k]!;
    if (norm2 === 0) return false;
    const norm = Math.sqrt(norm2);
    const alpha = x0 > 0 ? -norm : norm;
    const head = x0 - alpha;
    const vnorm2 = norm2 - x0 * x0 + head * head;
    if (!(vnorm2 > 0)) {
      e[k] = x0;
      return false;
    }
    e[k] = alpha;
    const inv = 1 / Math.sqrt(vnorm2);
    out[start] = head * inv;
    for (let i = start + 1; i < n; i++) out[i] = a[i * n + k]! * inv;
    return true;
  };
  // p (in `p`, rows start…n−1) → q = 2p − 2(vᵀp)v.
  const finish = (start: number, vv: Float64Array, p: Float64Array) => {
    let c = 0;
    for (let i = start; i < n; i++) c += vv[i]! * p[i]!;
    for (let i = start; i < n; i++) p[i] = 2 * p[i]! - 2 * c * vv[i]!;
  };

  d[0] = a[0]!;
  let active = reflector(0, v);
  if (active) {
    // Step 0's product: a symmetric matrix-vector product on the lower triangle (rows are read once).
    q.fill(0);
    for (let i = 1; i < n; i++) {
      const row = i * n;
      const vi = v[i]!;
      let s = 0;
      for (let j = 1; j < i; j++) {
        const aij = a[row + j]!;
        s += aij * v[j]!;
        q[j] = q[j]! + aij * vi;
      }
      q[i] = q[i]! + s + a[row + i]! * vi;
    }
    finish(1, v, q);
  }
  for (let k = 0; k < n - 2; k++) {
    const start = k + 1;
    // Column `start` of the updated matrix (diagonal included) defines the next reflector.
    if (active) {
      const vs = v[start]!;
      const qs = q[start]!;
      for (let i = start; i < n; i++) a[i * n + start] = a[i * n + start]! - v[i]! * qs - q[i]! * vs;
    }
    d[start] = a[start * n + start]!;
    if (start === n - 2) {
      // The trailing 1×1 block is all that is left to update.
      if (active) a[(n - 1) * n + (n - 1)] = a[(n - 1) * n + (n - 1)]! - 2 * v[n - 1]! * q[n - 1]!;
      break;
    }
    const nextActive = reflector(start, vNext);
    const next = start + 1;
    if (nextActive) qNext.fill(0, next);
    if (active || nextActive) {
      // Rows next…n−1, columns next…i: this step's rank-2 update, then the product with the next reflector.
      for (let i = next; i < n; i++) {
        const row = i * n;
        const wi = nextActive ? vNext[i]! : 0;
        const vi = active ? v[i]! : 0;
        const qi = active ? q[i]! : 0;
        let s = 0;
        for (let j = next; j < i; j++) {
          const aij = a[row + j]! - vi * q[j]! - qi * v[j]!;
          a[row + j] = aij;
          s += aij * vNext[j]!;
          qNext[j] = qNext[j]! + aij * wi;
        }
        const aii = a[row + i]! - 2 * vi * qi;
        a[row + i] = aii;
        qNext[i] = qNext[i]! + s + aii * wi;
      }
      if (nextActive) finish(next, vNext, qNext);
    }
    [v, vNext] = [vNext, v];
    [q, qNext] = [qNext, q];
    active = nextActive;
  }
  d[n - 1] = a[(n - 1) * n + (n - 1)]!;
  e[n - 2] = a[(n - 1) * n + (n - 2)]!;
}

/** Implicit QL with Wilkinson shifts on the symmetric tridiagonal (d, e); eigenvalues land in d. */
function tridiagonalQl(d: Float64Array, e: Float64Array, n: number): void {
  // An off-diagonal entry also counts as zero when it is negligible against the whole matrix: rank-deficient
  // inputs (a covariance of fewer images than pixels, blank border pixels) leave blocks of zeros whose
  // rounding residues would never pass the purely local test.
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(d[i]!) + Math.abs(e[i] ?? 0));
  const negligible = Number.EPSILON * norm;
  for (let l = 0; l < n; l++) {
    let iterations = 0;
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const scale = Math.abs(d[m]!) + Math.abs(d[m + 1]!);
        if (Math.abs(e[m]!) <= Number.EPSILON * scale || Math.abs(e[m]!) <= negligible) break;
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
