import { symmetricEigenvalues } from './symmetric-eigenvalues.js';

/** Elementwise clamp of JᵀJ before the eigendecomposition, as the reference does (docs/reference-notes.md §3.2). */
export const GRAM_CLAMP = 10 ** 4.5;
/** Eigenvalue floor (docs/reference-notes.md §3.2). */
export const EIGENVALUE_FLOOR = 1e-20;

/** Entry (i, j) of JᵀJ with the reference's fixes before any eigendecomposition: symmetrised, NaN → 0, clamped. */
export function fixedGramEntry(gram: Float32Array | Float64Array, n: number, i: number, j: number): number {
  const v = 0.5 * (gram[i * n + j]! + gram[j * n + i]!);
  if (Number.isNaN(v)) return 0;
  return Math.max(-GRAM_CLAMP, Math.min(GRAM_CLAMP, v));
}

/**
 * Eigenvalues of Q = JᵀJ (the squared singular values of the decoder Jacobian J), ascending, with the
 * reference's fixes in order: symmetrise, clamp to ±10^4.5, NaN → 0, eigendecompose, floor at 1e-20.
 * `gram` is row-major D×D (e.g. computed by a float32 matmul on the engine); it is not modified.
 */
export function gramSpectrum(gram: Float32Array | Float64Array, dimension: number): Float64Array {
  const n = dimension;
  if (gram.length !== n * n) throw new RangeError(`gram matrix: expected ${n * n} entries, got ${gram.length}`);
  // Only the lower triangle: symmetricEigenvalues reads nothing else.
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) q[i * n + j] = fixedGramEntry(gram, n, i, j);
  const values = symmetricEigenvalues(q, n);
  for (let i = 0; i < n; i++) if (!(values[i]! > EIGENVALUE_FLOOR)) values[i] = EIGENVALUE_FLOOR;
  return values;
}

/**
 * LID(x; scale) = #{i : λ_i > exp(2·scale)}: the number of singular values of the decoder Jacobian above
 * e^scale (Horvat & Pfister's threshold estimator). `spectrum` ascending.
 */
export function thresholdLid(spectrum: Float64Array, scale: number): number {
  const threshold = Math.exp(2 * scale);
  // Binary search: first index with λ > threshold.
  let lo = 0;
  let hi = spectrum.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spectrum[mid]! > threshold) hi = mid;
    else lo = mid + 1;
  }
  return spectrum.length - lo;
}

export interface CalibrationOptions {
  /** Search interval for the scale (log-std units); the reference uses [−100, 100]. */
  low?: number;
  high?: number;
  /** Bisection steps; 20 for flows in the reference. */
  steps?: number;
}

/** A point's LID as a function of the scale (falling as the scale grows); a spectrum means the threshold LID. */
export type LidAtScale = (scale: number) => number;
export type CalibrationPoint = Float64Array | LidAtScale;

const lidAt = (point: CalibrationPoint): LidAtScale => (point instanceof Float64Array ? (scale) => thresholdLid(point, scale) : point);

/**
 * Bisection on the scale for a statistic of the calibration points' LIDs that falls as the scale grows: the
 * scale where the statistic meets the target.
 */
function bisectScale(points: readonly CalibrationPoint[], statistic: (lids: number[]) => number, target: number, options: CalibrationOptions): number {
  if (points.length === 0) throw new RangeError('calibration needs at least one spectrum');
  const lids = points.map(lidAt);
  let l = options.low ?? -100;
  let r = options.high ?? 100;
  const steps = options.steps ?? 20;
  for (let step = 0; step < steps; step++) {
    const mid = (l + r) / 2;
    if (statistic(lids.map((f) => f(mid))) < target) r = mid;
    else l = mid;
  }
  return (l + r) / 2;
}

/**
 * The scale whose mean LID over the calibration points meets the target dimension: the reference's
 * `given_from_model_free` bisection (LID decreases as the scale grows). Points are spectra (threshold LID) or
 * any LID-at-scale functions.
 */
export function calibrateScale(points: readonly CalibrationPoint[], target: number, options: CalibrationOptions = {}): number {
  return bisectScale(points, (lids) => lids.reduce((a, b) => a + b, 0) / lids.length, target, options);
}

/**
 * The scale at which the `percentile`-th percentile of the calibration points' LIDs is still at least `minimum`
 * (the paper's earlier flow sweeps: `adaptive_setting_mode: percentile`, minimum (1 − tolerance)·D), so almost
 * all training points keep a LID close to the ambient dimension.
 */
export function calibrateScaleToPercentile(points: readonly CalibrationPoint[], percentile: number, minimum: number, options: CalibrationOptions = {}): number {
  if (!(percentile >= 0 && percentile < 100)) throw new RangeError(`percentile must lie in [0, 100), got ${percentile}`);
  return bisectScale(points, (lids) => [...lids].sort((a, b) => a - b)[Math.floor((percentile / 100) * lids.length)]!, minimum, options);
}
