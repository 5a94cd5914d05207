import * as tf from '@tensorflow/tfjs';
import type { CustomGradFunc } from './custom-grad.js';
import { exp } from './exp.js';

/** The spline's settings, all explicit (callers such as @dgm-ood/flows supply nflows' defaults). */
export interface RationalQuadraticSplineSettings {
  /** Evaluate the inverse map (inputs are then spline outputs). */
  inverse: boolean;
  /** B: the spline lives on [−B, B]; identity (linear tails, slope 1) outside. */
  tailBound: number;
  minBinWidth: number;
  minBinHeight: number;
  minDerivative: number;
}

export interface SplineResult<T extends tf.Tensor = tf.Tensor> {
  outputs: T;
  /** log|d output / d input| per element (for the inverse: of the inverse map). */
  logabsdet: T;
}

/**
 * Monotonic rational-quadratic spline with linear tails (Durkan et al. 2019), with the semantics of nflows'
 * `unconstrained_rational_quadratic_spline(..., tails='linear')`.
 *
 * inputs [N]; unnormalizedWidths and unnormalizedHeights [N, K]; unnormalizedDerivatives [N, K−1] (interior
 * knots only: the two boundary derivatives are fixed to 1 through the raw value ln(e^{1−minDerivative} − 1),
 * so the spline joins the identity tails with slope 1).
 *
 * Written without gather/where-on-comparisons so that it has gradients on every tfjs backend (wasm lacks the
 * gather gradient): the bin is selected with a one-hot mask built from step functions, and the inside/outside
 * blend is arithmetic. Points outside [−B, B] are clamped before the spline is evaluated, so the unused branch
 * stays finite and contributes zero gradient.
 */
export function rationalQuadraticSpline(
  inputs: tf.Tensor,
  unnormalizedWidths: tf.Tensor,
  unnormalizedHeights: tf.Tensor,
  unnormalizedDerivatives: tf.Tensor,
  settings: RationalQuadraticSplineSettings,
): SplineResult {
  const { inverse, tailBound: bound, minBinWidth: minW, minBinHeight: minH, minDerivative: minD } = settings;
  const n = inputs.shape[0]!;
  const k = unnormalizedWidths.shape[1]!;
  if (inputs.rank !== 1) throw new Error(`rationalQuadraticSpline: inputs must be [N], got [${inputs.shape.join(', ')}]`);
  checkShape(unnormalizedWidths, [n, k], 'unnormalizedWidths');
  checkShape(unnormalizedHeights, [n, k], 'unnormalizedHeights');
  checkShape(unnormalizedDerivatives, [n, k - 1], 'unnormalizedDerivatives');
  checkSplineSettings('rationalQuadraticSpline', k, settings);

  return tf.tidy(() => {
    const left = -bound;
    const right = bound;
    // Broadcasting note: tfjs's cpu backend is very slow for [N,K] ⊙ [N,1] and [N,K] ⊙ [1,K] broadcasts, fast
    // for same-shape, scalar and rank-1 [K] operands. So per-row values are widened with an exact outer product
    // (v[N,1]·1[1,K]), column constants are rank-1, and paddings are matMuls with 0/1 matrices (no concat, whose
    // gradient is a slow strided split there). Every such product has a single nonzero term: exact.
    const onesRow = tf.ones([1, k]);
    const onesColumn = tf.ones([k, 1]);
    const widen = (v: tf.Tensor) => tf.matMul(tf.reshape(v, [n, 1]), onesRow);
    // Row sums as a matMul (tf.sum's gradient is one of those slow broadcasts).
    const rowSum = (t: tf.Tensor) => tf.reshape(tf.matMul(t, onesColumn), [n]);
    const lastColumn = tf.tensor1d(Array.from({ length: k }, (_, i) => (i === k - 1 ? 1 : 0)));
    const notLastColumn = tf.sub(1, lastColumn);
    // Softmax along the bins; the row max only guards against overflow, so no gradient flows through it.
    const softmax = (u: tf.Tensor) => {
      const e = exp(tf.sub(u, widen(rowMaxWithoutGradient(u))));
      return tf.div(e, widen(rowSum(e)));
    };
    // Knots as two [N, K] tensors, lower (k = 0..K−1) and upper (k = 1..K) ends of each bin, from the exclusive
    // and inclusive cumsums. As in nflows, knot 0 is −B exactly and knot K is pinned to +B; bin sizes are
    // differences of knots.
    const knotsFrom = (unnormalized: tf.Tensor, minSize: number) => {
      const sizes = tf.add(minSize, tf.mul(1 - minSize * k, softmax(unnormalized)));
      const lo = tf.add(tf.mul(right - left, tf.cumsum(sizes, 1, true)), left);
      const hiFree = tf.add(tf.mul(right - left, tf.cumsum(sizes, 1)), left);
      const hi = tf.add(tf.mul(hiFree, notLastColumn), tf.mul(lastColumn, right));
      return { lo, hi, sizes: tf.sub(hi, lo) };
    };
    const { lo: cumwidths, hi: cumwidthsHi, sizes: widths } = knotsFrom(unnormalizedWidths, minW);
    const { lo: cumheights, hi: cumheightsHi, sizes: heights } = knotsFrom(unnormalizedHeights, minH);
    // Derivatives at the lower and upper knot of each bin: the interior ones shifted into place, the boundary
    // ones fixed through the raw value ln(e^{1−minD} − 1) (softplus + minD = 1).
    const boundaryRaw = Math.log(Math.expm1(1 - minD));
    const shift = (offset: number) => {
      const m = new Float32Array((k - 1) * k);
      for (let j = 0; j < k - 1; j++) m[j * k + j + offset] = 1;
      return tf.tensor2d(m, [k - 1, k]);
    };
    const column = (index: number, value: number) => tf.tensor1d(Array.from({ length: k }, (_, i) => (i === index ? value : 0)));
    const paddedDerivatives = (offset: number, boundaryIndex: number) =>
      k === 1
        ? tf.add(tf.zeros([n, 1]), column(0, boundaryRaw))
        : tf.add(tf.matMul(unnormalizedDerivatives, shift(offset)), column(boundaryIndex, boundaryRaw));
    const derivLo = tf.add(minD, tf.softplus(paddedDerivatives(1, 0)));
    const derivHi = tf.add(minD, tf.softplus(paddedDerivatives(0, k - 1)));

    // inside = [−B ≤ x ≤ B], from step functions (tfjs cannot differentiate through comparisons).
    const x = inputs;
    const geLeft = tf.sub(1, tf.step(tf.sub(left, x)));
    const leRight = tf.sub(1, tf.step(tf.sub(x, right)));
    const inside = tf.mul(geLeft, leRight);
    const xc = clampInside(x, inside, left, right);

    // Bin search as nflows' searchsorted: bin = #{knots ≤ x} − 1, with 1e-6 added to the last knot.
    // one-hot(bin)_k = [x ≥ knot_k] − [x ≥ knot_{k+1}] (knots are increasing). Piecewise constant, so it is
    // computed off the gradient tape (no memory kept for backprop).
    const searchLo = inverse ? cumheights : cumwidths;
    const searchHi = inverse ? cumheightsHi : cumwidthsHi;
    const oneHot = binOneHot(searchLo, searchHi, xc);
    const pick = (t: tf.Tensor) => rowSum(tf.mul(t, oneHot));

    const inputCumwidths = pick(cumwidths);
    const inputBinWidths = pick(widths);
    const inputCumheights = pick(cumheights);
    const inputHeights = pick(heights);
    const inputDelta = pick(tf.div(heights, widths));
    const dK = pick(derivLo);
    const dK1 = pick(derivHi);
    const sumD = tf.sub(tf.add(dK, dK1), tf.mul(2, inputDelta));

    let splineOut: tf.Tensor;
    let splineLogDet: tf.Tensor;
    if (inverse) {
      const dy = tf.sub(xc, inputCumheights);
      const a = tf.add(tf.mul(dy, sumD), tf.mul(inputHeights, tf.sub(inputDelta, dK)));
      const b = tf.sub(tf.mul(inputHeights, dK), tf.mul(dy, sumD));
      const c = tf.neg(tf.mul(inputDelta, dy));
      const disc = tf.relu(tf.sub(tf.square(b), tf.mul(4, tf.mul(a, c))));
      const root = tf.div(tf.mul(2, c), tf.sub(tf.neg(b), tf.sqrt(disc)));
      splineOut = tf.add(tf.mul(root, inputBinWidths), inputCumwidths);
      const tOneMinusT = tf.mul(root, tf.sub(1, root));
      const denominator = tf.add(inputDelta, tf.mul(sumD, tOneMinusT));
      const derivNumerator = tf.mul(
        tf.square(inputDelta),
        tf.add(tf.add(tf.mul(dK1, tf.square(root)), tf.mul(tf.mul(2, inputDelta), tOneMinusT)), tf.mul(dK, tf.square(tf.sub(1, root)))),
      );
      splineLogDet = tf.neg(tf.sub(tf.log(derivNumerator), tf.mul(2, tf.log(denominator))));
    } else {
      const theta = tf.div(tf.sub(xc, inputCumwidths), inputBinWidths);
      const tOneMinusT = tf.mul(theta, tf.sub(1, theta));
      const numerator = tf.mul(inputHeights, tf.add(tf.mul(inputDelta, tf.square(theta)), tf.mul(dK, tOneMinusT)));
      const denominator = tf.add(inputDelta, tf.mul(sumD, tOneMinusT));
      splineOut = tf.add(inputCumheights, tf.div(numerator, denominator));
      const derivNumerator = tf.mul(
        tf.square(inputDelta),
        tf.add(tf.add(tf.mul(dK1, tf.square(theta)), tf.mul(tf.mul(2, inputDelta), tOneMinusT)), tf.mul(dK, tf.square(tf.sub(1, theta)))),
      );
      splineLogDet = tf.sub(tf.log(derivNumerator), tf.mul(2, tf.log(denominator)));
    }
    const outside = tf.sub(1, inside);
    return {
      outputs: tf.add(tf.mul(inside, splineOut), tf.mul(outside, x)),
      logabsdet: tf.mul(inside, splineLogDet),
    };
  });
}

/**
 * One-hot [N, K] of the bin of each x given the lower and upper knots of every bin (the last upper knot is
 * bumped by 1e-6 as in nflows' searchsorted). Zero gradient; its ops run inside customGrad and are not taped.
 */
const binOneHot = tf.customGrad(((lo: tf.Tensor, hi: tf.Tensor, x: tf.Tensor) => {
  const [n, k] = lo.shape as [number, number];
  const xShape = x.shape;
  const value = tf.tidy(() => {
    const lastBump = tf.tensor1d(Array.from({ length: k }, (_, i) => (i === k - 1 ? 1e-6 : 0)));
    const xWide = tf.matMul(tf.reshape(x, [n, 1]), tf.ones([1, k]));
    const atLeast = (knots: tf.Tensor) => tf.sub(1, tf.step(tf.sub(knots, xWide)));
    return tf.sub(atLeast(lo), atLeast(tf.add(hi, lastBump)));
  });
  return { value, gradFunc: () => [tf.zeros([n, k]), tf.zeros([n, k]), tf.zeros(xShape)] };
}) as unknown as CustomGradFunc) as unknown as (lo: tf.Tensor, hi: tf.Tensor, x: tf.Tensor) => tf.Tensor;

/**
 * x clamped to [left, right], its gradient dy·inside (tfjs's clipByValue gradient goes through LogicalAnd, which has
 * no gradient itself, so the spline could not be differentiated twice).
 */
function clampInside(x: tf.Tensor, inside: tf.Tensor, left: number, right: number): tf.Tensor {
  return tf.customGrad(((xx: tf.Tensor, mask: tf.Tensor, save: (ts: tf.Tensor[]) => void) => {
    save([mask]);
    return { value: tf.clipByValue(xx, left, right), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[0]!), tf.zerosLike(saved[0]!)] };
  }) as unknown as CustomGradFunc)(x, inside);
}

/** max over the last axis of [N, K], treated as a constant by autodiff (tfjs has no stopGradient). */
const rowMaxWithoutGradient = tf.customGrad(((u: tf.Tensor) => {
  const shape = u.shape;
  return { value: tf.max(u, 1), gradFunc: () => tf.zeros(shape) };
}) as unknown as CustomGradFunc) as unknown as (u: tf.Tensor) => tf.Tensor;

/** The settings' bounds for K bins (what every form of the spline needs), thrown as RangeErrors naming `op`. */
export function checkSplineSettings(op: string, k: number, settings: RationalQuadraticSplineSettings): void {
  if (settings.minBinWidth * k > 1) throw new RangeError(`${op}: minimal bin width too large for the number of bins`);
  if (settings.minBinHeight * k > 1) throw new RangeError(`${op}: minimal bin height too large for the number of bins`);
  if (!(settings.tailBound > 0)) throw new RangeError(`${op}: tailBound must be > 0, got ${settings.tailBound}`);
}

function checkShape(t: tf.Tensor, expected: number[], name: string): void {
  if (t.rank !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`rationalQuadraticSpline: ${name} must be [${expected.join(', ')}], got [${t.shape.join(', ')}]`);
  }
}
