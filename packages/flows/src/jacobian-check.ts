import * as tf from '@tensorflow/tfjs';
import { logAbsDet } from './linalg64.js';
import type { FlowModel } from './model.js';

/**
 * Dense Jacobian of a per-sample map by batched reverse-mode VJPs: the single input x0 [1, ...] is repeated m
 * times and row i of the batch gets the cotangent e_{r+i}, so one backward pass yields m Jacobian rows.
 * fn must treat batch rows independently (eval mode: no dropout, no ActNorm initialisation).
 * Returns the outDim × inDim matrix in float64, row-major.
 */
export function autodiffJacobian(
  fn: (x: tf.Tensor) => tf.Tensor,
  x0: tf.Tensor,
  opts: { chunk?: number } = {},
): { jacobian: Float64Array; inDim: number; outDim: number } {
  if (x0.shape[0] !== 1) throw new Error(`autodiffJacobian: x0 must hold one sample, got batch ${x0.shape[0]}`);
  const inDim = x0.size;
  const outDim = tf.tidy(() => fn(x0).size);
  const chunk = Math.min(opts.chunk ?? 256, outDim);
  const jacobian = new Float64Array(outDim * inDim);
  for (let r = 0; r < outDim; r += chunk) {
    const m = Math.min(chunk, outDim - r);
    const rows = tf.tidy(() => {
      const xs = tf.tile(x0, [m, ...x0.shape.slice(1).map(() => 1)]);
      const cot = tf.oneHot(tf.range(r, r + m, 1, 'int32'), outDim).toFloat();
      const g = tf.grad((x: tf.Tensor) => tf.reshape(fn(x), [m, outDim]))(xs, cot);
      return g.reshape([m, inDim]).dataSync();
    });
    for (let i = 0; i < m * inDim; i++) jacobian[r * inDim + i] = rows[i]!;
  }
  return { jacobian, inDim, outDim };
}

/** log|det J| of a square per-sample map, J from autodiff, determinant by LU in float64. */
export function autodiffLogAbsDet(fn: (x: tf.Tensor) => tf.Tensor, x0: tf.Tensor, opts: { chunk?: number } = {}): number {
  const { jacobian, inDim, outDim } = autodiffJacobian(fn, x0, opts);
  if (inDim !== outDim) throw new Error(`autodiffLogAbsDet: Jacobian is ${outDim}×${inDim}, not square`);
  return logAbsDet(jacobian, inDim).logAbsDet;
}

export interface FlowJacobianCheck {
  /** log|det ∂z/∂x̃| from the autodiff Jacobian. */
  autodiff: number;
  /** The flow's own log-det. */
  flow: number;
  /** |flow − autodiff| / max(1, |autodiff|). */
  relError: number;
  /** max |inverse(forward(x̃)) − x̃|. */
  reconstructionError: number;
}

/** Check a model's bijection x̃ → z at one point x̃ [1,H,W,C]: log-det against autodiff, and invertibility. */
export function checkFlowJacobian(model: FlowModel, xt: tf.Tensor, opts: { chunk?: number } = {}): FlowJacobianCheck {
  const autodiff = autodiffLogAbsDet((x) => model.flow.forward(x).z, xt, opts);
  const { flow, reconstructionError } = tf.tidy(() => {
    const { z, logabsdet } = model.flow.forward(xt);
    const back = model.flow.inverse(z).x;
    return {
      flow: logabsdet.dataSync()[0]!,
      reconstructionError: tf.max(tf.abs(tf.sub(back, xt))).dataSync()[0]!,
    };
  });
  return { autodiff, flow, relError: Math.abs(flow - autodiff) / Math.max(1, Math.abs(autodiff)), reconstructionError };
}
