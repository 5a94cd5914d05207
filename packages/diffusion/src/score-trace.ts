/**
 * The score and the trace of its Jacobian in one reverse pass per chunk: tfjs has no forward mode, so
 * vᵀ(Jv) is computed as (vᵀJ)·v with a VJP (docs/tfjs-notes.md §2).
 *
 * Probes are fixed per solve and seeded per point (not one global reseed as in the reference): point b's
 * K probes come from `probeSeeds[b]`, so a point's estimate does not depend on its batch neighbours.
 */
import * as tf from '@tensorflow/tfjs';
import { probeValues, repeatSamples, valueAndVjp, type TensorFn } from '@dgm-ood/engine';
import { invalidArgument } from './errors.js';

export type TraceEstimator =
  | { method: 'exact' }
  | { method: 'rademacher' | 'gaussian'; probes: number };

/** Hutchinson probes [B·K, …sampleShape], rows b·K + k, point b's drawn from probeSeeds[b]. */
export function hutchinsonProbes(kind: 'rademacher' | 'gaussian', k: number, sampleShape: number[], probeSeeds: readonly number[]): tf.Tensor {
  const d = sampleShape.reduce((p, q) => p * q, 1);
  const values = new Float32Array(probeSeeds.length * k * d);
  probeSeeds.forEach((seed, b) => values.set(probeValues(kind, k * d, seed), b * k * d));
  return tf.tensor(values, [probeSeeds.length * k, ...sampleShape]);
}

export interface ScoreAndTrace {
  /** f(x), shaped like x. */
  value: tf.Tensor;
  /** tr(∂f_b/∂x_b) per point (exact) or its Hutchinson estimate. */
  trace: Float64Array;
}

/**
 * f(x) and the trace of ∂f/∂x per point, for f: [B, …] → [B, …] whose samples do not interact.
 * `probes`: from hutchinsonProbes (K per point) or null for the exact trace (D unit probes, chunked).
 */
export async function scoreAndTrace(f: TensorFn, x: tf.Tensor, probes: tf.Tensor | null, k: number, chunkRows = 512): Promise<ScoreAndTrace> {
  const b = x.shape[0]!;
  const sampleShape = x.shape.slice(1);
  const d = sampleShape.reduce((p, q) => p * q, 1);
  const exact = probes === null;
  const kk = exact ? d : k;
  if (!exact && probes.shape[0] !== b * kk) throw invalidArgument('scoreAndTrace', `expected ${b * kk} probe rows, got ${probes.shape[0]}`);
  const trace = new Float64Array(b);
  let value: tf.Tensor | undefined;
  const perChunk = Math.max(1, Math.min(kk, Math.floor(chunkRows / b)));
  try {
    for (let k0 = 0; k0 < kk; k0 += perChunk) {
      const kc = Math.min(perChunk, kk - k0);
      let first: tf.Tensor | null = null;
      const partial = tf.tidy(() => {
        const v = exact
          ? tf.reshape(tf.tile(tf.expandDims(tf.oneHot(tf.range(k0, k0 + kc, 1, 'int32'), d, 1, 0, 'float32'), 0), [b, 1, 1]), [b * kc, ...sampleShape])
          : tf.reshape(tf.slice(tf.reshape(probes, [b, kk, d]), [0, k0, 0], [b, kc, d]), [b * kc, ...sampleShape]);
        const r = valueAndVjp(f, repeatSamples(x, kc), v);
        // Row b·kc of the repeated batch is the first copy of point b.
        if (!value) first = tf.keep(tf.reshape(tf.slice(tf.reshape(r.value, [b, kc, d]), [0, 0, 0], [b, 1, d]), x.shape));
        r.value.dispose();
        return tf.sum(tf.reshape(tf.mul(r.vjp, v), [b, kc, d]), [1, 2]);
      });
      if (first) value = first;
      const t = await partial.data();
      partial.dispose();
      for (let i = 0; i < b; i++) trace[i] = trace[i]! + t[i]!;
    }
  } catch (error) {
    value?.dispose();
    throw error;
  }
  if (!exact) for (let i = 0; i < b; i++) trace[i] = trace[i]! / kk;
  return { value: value!, trace };
}
