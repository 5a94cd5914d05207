import * as tf from '@tensorflow/tfjs';
import { invalidArgument } from '../errors.js';
import { probeValues, type ProbeKind } from './rng.js';
import { outputShape, repeatSamples, sameShape, vjp, type TensorFn } from './vjp.js';

export type TraceMethod = ProbeKind | 'exact';

export interface TraceOptions {
  /**
   * 'rademacher' / 'gaussian': Hutchinson's estimator mean_k v_kᵀJv_k with `samples` probes per point;
   * 'exact': Σ_i e_iᵀJe_i over all D coordinates (the reference's `deterministic`, v_i = √D·e_i).
   */
  method: TraceMethod;
  /** Probes per data point (Hutchinson only). */
  samples?: number;
  /**
   * Seed of the probes, drawn from the engine's own generator in the order [B, K, D] (row-major): the
   * same seed gives the same probes on every call and backend. To mirror the reference, which re-seeds
   * its RNG (100) on every trace call, pass the same seed each time.
   */
  seed?: number;
  /** Largest number of rows (copies of samples) per reverse pass. Default 1024. */
  chunkRows?: number;
}

/** Probe tensor [B, K, …sampleShape] for Hutchinson's estimator. */
export function traceProbes(kind: ProbeKind, batch: number, samples: number, sampleShape: number[], seed: number): tf.Tensor {
  const d = sampleShape.reduce((p, q) => p * q, 1);
  return tf.tensor(probeValues(kind, batch * samples * d, seed), [batch, samples, ...sampleShape]);
}

/**
 * tr(∂f_b/∂x_b) for each sample of a batch-independent f: [B, …s] → [B, …s] (square per sample),
 * using VJPs only: vᵀJv = (vᵀJ)·v, so one reverse pass serves every probe of a chunk. Returns [B].
 */
export function jacobianTrace(f: TensorFn, x: tf.Tensor, options: TraceOptions): tf.Tensor1D {
  const b = x.shape[0]!;
  const sampleShape = x.shape.slice(1);
  const d = sampleShape.reduce((p, q) => p * q, 1);
  if (!sameShape(outputShape(f, x), x.shape)) {
    throw invalidArgument('jacobianTrace', `f must map [${x.shape}] to the same shape (a square Jacobian per sample)`);
  }
  const exact = options.method === 'exact';
  const k = exact ? d : (options.samples ?? 1);
  if (!Number.isInteger(k) || k < 1) throw invalidArgument('jacobianTrace', `samples must be a positive integer, got ${options.samples}`);
  if (!exact && options.method !== 'rademacher' && options.method !== 'gaussian') {
    throw invalidArgument('jacobianTrace', `method must be rademacher, gaussian or exact; got ${String(options.method)}`);
  }
  const probes = exact ? undefined : traceProbes(options.method as ProbeKind, b, k, sampleShape, options.seed ?? 0);
  const perChunk = Math.max(1, Math.floor((options.chunkRows ?? 1024) / b));
  let total = tf.zeros([b]) as tf.Tensor1D;
  try {
    for (let k0 = 0; k0 < k; k0 += perChunk) {
      const kc = Math.min(perChunk, k - k0);
      const partial = tf.tidy(() => {
        const v = probes
          ? tf.reshape(tf.slice(probes, [0, k0], [b, kc]), [b * kc, ...sampleShape])
          : tf.reshape(tf.tile(tf.expandDims(tf.oneHot(tf.range(k0, k0 + kc, 1, 'int32'), d), 0), [b, 1, 1]), [b * kc, ...sampleShape]);
        const vJ = vjp(f, repeatSamples(x, kc), v);
        return tf.sum(tf.reshape(tf.mul(vJ, v), [b, kc * d]), 1);
      });
      const next = tf.add(total, partial) as tf.Tensor1D;
      tf.dispose([total, partial]);
      total = next;
    }
    if (exact) return total;
    const mean = tf.div(total, k) as tf.Tensor1D;
    total.dispose();
    return mean;
  } catch (error) {
    total.dispose();
    throw error;
  } finally {
    probes?.dispose();
  }
}
