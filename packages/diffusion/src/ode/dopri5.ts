/**
 * Adaptive Dormand–Prince 5(4) (the method of scipy's `solve_ivp(method='RK45')`, which score_sde uses for
 * its likelihoods): 5th-order steps, the embedded 4th-order solution for error control, first-same-as-last.
 * Error norm and step-size control follow scipy: RMS over all elements of err / (atol + rtol·max(|y|, |y_new|)),
 * safety 0.9, factor clipped to [0.2, 10], scipy's initial step selection. One step size for the whole
 * state (as score_sde integrates a whole batch as one flat vector). t1 < t0 integrates backwards.
 */
import * as tf from '@tensorflow/tfjs';
import { DiffusionError } from '../errors.js';

/** dy/dt; the returned tensor is owned by the solver. */
export type OdeRhs = (t: number, y: tf.Tensor) => Promise<tf.Tensor>;

export interface Dopri5Options {
  rtol: number;
  atol: number;
  /** Give up (a retryable error) after this many attempted steps. Default 10,000. */
  maxSteps?: number;
  /** First step size (magnitude); default: scipy's selection (one extra evaluation). */
  firstStep?: number;
  onStep?: (t: number, acceptedSteps: number) => void;
}

export interface Dopri5Result {
  /** y(t1); owned by the caller. */
  y: tf.Tensor;
  /** Function evaluations, accepted and rejected steps. */
  nfe: number;
  accepted: number;
  rejected: number;
}

const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1];
const A: number[][] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84];
/** 5th- minus 4th-order weights, over k1..k7 (k7 = f at the new point). */
const E = [-71 / 57600, 0, 71 / 16695, -71 / 1920, 17253 / 339200, -22 / 525, 1 / 40];
const SAFETY = 0.9;
const MIN_FACTOR = 0.2;
const MAX_FACTOR = 10;

/** Σ_i w_i·k_i over the nonzero weights. */
function combine(ks: tf.Tensor[], ws: number[]): tf.Tensor {
  return tf.tidy(() => {
    let acc: tf.Tensor | undefined;
    ws.forEach((w, i) => {
      if (w === 0) return;
      const term = tf.mul(ks[i]!, w);
      acc = acc ? tf.add(acc, term) : term;
    });
    return acc ?? tf.zerosLike(ks[0]!);
  });
}

/** scipy's RMS norm of x / scale. */
async function rmsNorm(x: tf.Tensor, scale: tf.Tensor): Promise<number> {
  const n = tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.div(x, scale)))));
  const v = (await n.data())[0]!;
  n.dispose();
  return v;
}

export async function dopri5(f: OdeRhs, y0: tf.Tensor, t0: number, t1: number, opts: Dopri5Options): Promise<Dopri5Result> {
  const { rtol, atol } = opts;
  if (!(rtol > 0 && atol > 0)) throw new DiffusionError('DIFFUSION_INVALID_ARGUMENT', `dopri5: rtol and atol must be positive (got ${rtol}, ${atol})`);
  const maxSteps = opts.maxSteps ?? 10_000;
  const dir = Math.sign(t1 - t0) || 1;
  const span = Math.abs(t1 - t0);
  let nfe = 0;
  const rhs = async (t: number, y: tf.Tensor) => {
    nfe++;
    return f(t, y);
  };
  let y = tf.clone(y0);
  let k1 = await rhs(t0, y);
  let h = opts.firstStep ?? (await initialStep(rhs, t0, y, k1, dir, rtol, atol));
  h = Math.min(h, span);
  let t = t0;
  let accepted = 0;
  let rejected = 0;
  try {
    while (dir * (t1 - t) > 0) {
      if (accepted + rejected >= maxSteps) {
        throw new DiffusionError('DIFFUSION_SOLVER_FAILED', `dopri5: no convergence after ${maxSteps} steps at t=${t} (rtol ${rtol}, atol ${atol})`, { t, maxSteps }, false);
      }
      if (h < 1e-12 * Math.max(1, Math.abs(t))) {
        throw new DiffusionError('DIFFUSION_SOLVER_FAILED', `dopri5: step size underflow at t=${t}`, { t, h }, false);
      }
      const last = h >= dir * (t1 - t);
      const hs = last ? t1 - t : dir * h;
      const ks: tf.Tensor[] = [k1];
      try {
        for (let i = 1; i < 6; i++) {
          const yi = tf.tidy(() => tf.add(y, tf.mul(combine(ks, A[i]!), hs)));
          ks.push(await rhs(t + C[i]! * hs, yi));
          yi.dispose();
        }
        const yNew = tf.tidy(() => tf.add(y, tf.mul(combine(ks, B), hs)));
        const tNew = last ? t1 : t + hs;
        const k7 = await rhs(tNew, yNew);
        ks.push(k7);
        const errT = tf.tidy(() => tf.mul(combine(ks, E), hs));
        const scale = tf.tidy(() => tf.add(atol, tf.mul(tf.maximum(tf.abs(y), tf.abs(yNew)), rtol)));
        const err = await rmsNorm(errT, scale);
        tf.dispose([errT, scale]);
        if (!Number.isFinite(err)) {
          tf.dispose([yNew, k7]);
          throw new DiffusionError('DIFFUSION_NONFINITE', `dopri5: non-finite state or derivative at t=${t}`, { t });
        }
        if (err <= 1) {
          y.dispose();
          y = yNew;
          k1.dispose();
          k1 = k7;
          t = tNew;
          accepted++;
          h = Math.abs(hs) * (err === 0 ? MAX_FACTOR : Math.min(MAX_FACTOR, SAFETY * err ** -0.2));
          opts.onStep?.(t, accepted);
        } else {
          tf.dispose([yNew, k7]);
          rejected++;
          h = Math.abs(hs) * Math.max(MIN_FACTOR, SAFETY * err ** -0.2);
        }
      } finally {
        // ks[0] is k1 (kept or replaced above); ks[6] is k7 (now k1, or disposed).
        tf.dispose(ks.slice(1, 6));
      }
    }
  } catch (error) {
    tf.dispose([y, k1]);
    throw error;
  }
  k1.dispose();
  return { y, nfe, accepted, rejected };
}

/** scipy's `select_initial_step` for a 5th-order method. */
async function initialStep(rhs: OdeRhs, t0: number, y0: tf.Tensor, f0: tf.Tensor, dir: number, rtol: number, atol: number): Promise<number> {
  const scale = tf.tidy(() => tf.add(atol, tf.mul(tf.abs(y0), rtol)));
  try {
    const d0 = await rmsNorm(y0, scale);
    const d1 = await rmsNorm(f0, scale);
    const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
    const y1 = tf.tidy(() => tf.add(y0, tf.mul(f0, dir * h0)));
    const f1 = await rhs(t0 + dir * h0, y1);
    const diff = tf.sub(f1, f0);
    const d2 = (await rmsNorm(diff, scale)) / h0;
    tf.dispose([y1, f1, diff]);
    const h1 = d1 <= 1e-15 && d2 <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
    return Math.min(100 * h0, h1);
  } finally {
    scale.dispose();
  }
}
