/**
 * Float64 plain-JS reference of the linear-tailed rational-quadratic spline (nflows semantics), used by tests
 * to check the tfjs version. Arrays are row-major: widths/heights N×K, derivatives N×(K−1).
 */
import {
  DEFAULT_MIN_BIN_HEIGHT,
  DEFAULT_MIN_BIN_WIDTH,
  DEFAULT_MIN_DERIVATIVE,
  type RationalQuadraticSplineOptions,
} from './rational-quadratic.js';

export function rationalQuadraticSplineReference(
  inputs: ArrayLike<number>,
  unnormalizedWidths: ArrayLike<number>,
  unnormalizedHeights: ArrayLike<number>,
  unnormalizedDerivatives: ArrayLike<number>,
  numBins: number,
  opts: RationalQuadraticSplineOptions = {},
): { outputs: Float64Array; logabsdet: Float64Array } {
  const k = numBins;
  const n = inputs.length;
  const inverse = opts.inverse ?? false;
  const bound = opts.tailBound ?? 1;
  const minW = opts.minBinWidth ?? DEFAULT_MIN_BIN_WIDTH;
  const minH = opts.minBinHeight ?? DEFAULT_MIN_BIN_HEIGHT;
  const minD = opts.minDerivative ?? DEFAULT_MIN_DERIVATIVE;
  if (unnormalizedWidths.length !== n * k || unnormalizedHeights.length !== n * k || unnormalizedDerivatives.length !== n * (k - 1)) {
    throw new Error('rationalQuadraticSplineReference: parameter arrays do not match N and K');
  }
  const outputs = new Float64Array(n);
  const logabsdet = new Float64Array(n);
  const boundaryD = minD + softplus(Math.log(Math.expm1(1 - minD)));
  for (let i = 0; i < n; i++) {
    const x = inputs[i]!;
    if (!(x >= -bound && x <= bound)) {
      outputs[i] = x;
      logabsdet[i] = 0;
      continue;
    }
    const cw = knots(unnormalizedWidths, i * k, k, minW, -bound, bound);
    const ch = knots(unnormalizedHeights, i * k, k, minH, -bound, bound);
    const d = new Float64Array(k + 1);
    d[0] = boundaryD;
    d[k] = boundaryD;
    for (let j = 1; j < k; j++) d[j] = minD + softplus(unnormalizedDerivatives[i * (k - 1) + j - 1]!);
    const search = inverse ? ch : cw;
    let bin = -1;
    for (let j = 0; j <= k; j++) if (x >= (j === k ? search[j]! + 1e-6 : search[j]!)) bin++;
    const xk = cw[bin]!;
    const wk = cw[bin + 1]! - cw[bin]!;
    const yk = ch[bin]!;
    const hk = ch[bin + 1]! - ch[bin]!;
    const s = hk / wk;
    const dk = d[bin]!;
    const dk1 = d[bin + 1]!;
    const sumD = dk + dk1 - 2 * s;
    if (inverse) {
      const dy = x - yk;
      const a = dy * sumD + hk * (s - dk);
      const b = hk * dk - dy * sumD;
      const c = -s * dy;
      const disc = Math.max(0, b * b - 4 * a * c);
      const theta = (2 * c) / (-b - Math.sqrt(disc));
      outputs[i] = theta * wk + xk;
      logabsdet[i] = -logDerivative(theta, s, dk, dk1, sumD);
    } else {
      const theta = (x - xk) / wk;
      const t1t = theta * (1 - theta);
      outputs[i] = yk + (hk * (s * theta * theta + dk * t1t)) / (s + sumD * t1t);
      logabsdet[i] = logDerivative(theta, s, dk, dk1, sumD);
    }
  }
  return { outputs, logabsdet };
}

function logDerivative(theta: number, s: number, dk: number, dk1: number, sumD: number): number {
  const t1t = theta * (1 - theta);
  const num = s * s * (dk1 * theta * theta + 2 * s * t1t + dk * (1 - theta) * (1 - theta));
  const den = s + sumD * t1t;
  return Math.log(num) - 2 * Math.log(den);
}

function knots(un: ArrayLike<number>, offset: number, k: number, minSize: number, lo: number, hi: number): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, un[offset + j]!);
  let z = 0;
  const e = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    e[j] = Math.exp(un[offset + j]! - max);
    z += e[j]!;
  }
  const out = new Float64Array(k + 1);
  out[0] = lo;
  let cum = 0;
  for (let j = 0; j < k - 1; j++) {
    cum += minSize + (1 - minSize * k) * (e[j]! / z);
    out[j + 1] = (hi - lo) * cum + lo;
  }
  out[k] = hi;
  return out;
}

function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}
