/** Shared helpers for this package's tests (cpu backend, tiny shapes). */
import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { autodiffLogAbsDet } from './jacobian-check.js';
import { Rng } from './random.js';
import type { FlowContext, Transform } from './types.js';

export async function useCpuBackend(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function randomTensor(shape: number[], seed: number, opts: { std?: number; mean?: number; lo?: number; hi?: number } = {}): tf.Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  if (opts.lo !== undefined && opts.hi !== undefined) rng.fillUniform(data, opts.lo, opts.hi);
  else rng.fillNormal(data, opts.std ?? 1, opts.mean ?? 0);
  return tf.tensor(data, shape);
}

export function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

/**
 * The two acceptance checks for a transform at a batch x: inverse(forward(x)) ≈ x (max abs ≤ invTol) with
 * inverse log-det = −forward log-det, and per-sample forward log-det = log|det| of the autodiff Jacobian
 * (relative ≤ ldTol) for the first `jacobianSamples` samples.
 */
export function expectBijection(
  t: Pick<Transform, 'forward' | 'inverse'>,
  x: tf.Tensor,
  opts: { invTol?: number; ldTol?: number; jacobianSamples?: number; ctx?: FlowContext } = {},
): { logabsdet: Float32Array } {
  const invTol = opts.invTol ?? 1e-4;
  const ldTol = opts.ldTol ?? 1e-3;
  const { err, ldF, ldI, shapeOk } = tf.tidy(() => {
    const f = t.forward(x, opts.ctx);
    const i = t.inverse(f.y, opts.ctx);
    return {
      err: maxAbsDiff(i.x, x),
      ldF: f.logabsdet.dataSync() as Float32Array,
      ldI: i.logabsdet.dataSync() as Float32Array,
      shapeOk: f.logabsdet.shape.length === 1 && f.logabsdet.shape[0] === x.shape[0],
    };
  });
  expect(shapeOk).toBe(true);
  expect(err).toBeLessThanOrEqual(invTol);
  for (let b = 0; b < ldF.length; b++) expect(Math.abs(ldF[b]! + ldI[b]!)).toBeLessThanOrEqual(ldTol * Math.max(1, Math.abs(ldF[b]!)));
  const n = Math.min(opts.jacobianSamples ?? 1, x.shape[0]!);
  for (let b = 0; b < n; b++) {
    const xb = tf.slice(x, b, 1);
    const ad = autodiffLogAbsDet((v) => t.forward(v).y, xb);
    xb.dispose();
    expect(Math.abs(ldF[b]! - ad) / Math.max(1, Math.abs(ad))).toBeLessThanOrEqual(ldTol);
  }
  return { logabsdet: ldF };
}
