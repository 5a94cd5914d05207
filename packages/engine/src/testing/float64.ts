/**
 * Float64 reference implementations for the engine's tests: small functions written twice, once in
 * tfjs (float32, under test) and once here in plain JS doubles, plus central finite differences on
 * the doubles. Not exported from the package.
 */
export type Vec = Float64Array;

/** Central-difference Jacobian [m][d] of g: R^d → R^m at x. */
export function finiteDifferenceJacobian(g: (x: Vec) => Vec, x: Vec, h = 1e-6): number[][] {
  const m = g(x).length;
  const jac = Array.from({ length: m }, () => new Array<number>(x.length).fill(0));
  for (let j = 0; j < x.length; j++) {
    const xp = Float64Array.from(x);
    const xm = Float64Array.from(x);
    xp[j] = x[j]! + h;
    xm[j] = x[j]! - h;
    const yp = g(xp);
    const ym = g(xm);
    for (let i = 0; i < m; i++) jac[i]![j] = (yp[i]! - ym[i]!) / (2 * h);
  }
  return jac;
}

export const softplus64 = (v: number) => (v > 20 ? v : Math.log1p(Math.exp(v)));

/** The dense test map R^D → R^D: tanh(xW + b) ⊙ softplus(x) + (x ⊙ x)C, one sample. */
export function denseMap64(w: number[][], b: number[], c: number[][]): (x: Vec) => Vec {
  const d = b.length;
  return (x) => {
    const y = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      let a = b[j]!;
      let q = 0;
      for (let i = 0; i < d; i++) {
        a += x[i]! * w[i]![j]!;
        q += x[i]! * x[i]! * c[i]![j]!;
      }
      y[j] = Math.tanh(a) * softplus64(x[j]!) + q;
    }
    return y;
  };
}

/** NHWC 'same' conv, stride 1, odd square kernel, one sample: x [h, w, ci], k [kh, kw, ci, co]. */
export function conv2dSame64(x: Vec, h: number, w: number, ci: number, k: Vec, ks: number, co: number, bias?: Vec): Vec {
  const out = new Float64Array(h * w * co);
  const r = (ks - 1) / 2;
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++)
      for (let o = 0; o < co; o++) {
        let s = bias ? bias[o]! : 0;
        for (let di = 0; di < ks; di++)
          for (let dj = 0; dj < ks; dj++) {
            const ii = i + di - r;
            const jj = j + dj - r;
            if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
            for (let c = 0; c < ci; c++) s += x[(ii * w + jj) * ci + c]! * k[((di * ks + dj) * ci + c) * co + o]!;
          }
        out[(i * w + j) * co + o] = s;
      }
  return out;
}

/** The conv test map [h,w,c] → [h,w,c]: conv2(softplus(conv1(x) + b1)) + x/2 with 3×3 'same' convs c→m→c. */
export function convMap64(h: number, w: number, c: number, m: number, k1: Vec, b1: Vec, k2: Vec): (x: Vec) => Vec {
  return (x) => {
    const a = conv2dSame64(x, h, w, c, k1, 3, m, b1).map(softplus64);
    const y = conv2dSame64(a, h, w, m, k2, 3, c);
    for (let i = 0; i < y.length; i++) y[i] = y[i]! + 0.5 * x[i]!;
    return y;
  };
}

/** Normwise relative error of a against the reference r. */
export function relErr(r: ArrayLike<number>, a: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < r.length; i++) {
    d = Math.max(d, Math.abs(r[i]! - a[i]!));
    s = Math.max(s, Math.abs(r[i]!));
  }
  return d / Math.max(s, 1e-12);
}
