import * as tf from '@tensorflow/tfjs';
import { jacobian } from '@dgm-ood/engine';
import type { FlowModel, LogProbOptions } from './model.js';
import { gramEigen, gramSpectrum, type GramEigen } from '@dgm-ood/lid';
import { loadSetting } from '@dgm-ood/config/env';

/** Copies of a point per reverse pass of the autodiff Jacobian (memory vs. per-pass overhead). */
export const JACOBIAN_CHUNK_ROWS = loadSetting('DGM_OOD_JACOBIAN_CHUNK');

/**
 * How the decoder Jacobian is built. `layered` (default): the flow's inverse linearised at the point, layer by
 * layer (Flow.inverseJacobianTransposed): one forward pass at batch 1, then only linear work on the D columns.
 * `autodiff`: D batched reverse passes through the whole decoder (the reference's way; kept as the check).
 * Both give the same matrix up to float32 rounding.
 */
export type JacobianMethod = 'layered' | 'autodiff';

/** Timings of the exact estimator, per point. */
export interface SpectrumTiming {
  jacobianMs: number;
  eigenMs: number;
}

/** The latent of one raw image under the reference's Jacobian recipe: x̃ = dequantize+scale(x), z = f(x̃), NaN → 0. */
export function flowLatent(model: FlowModel, image: tf.Tensor4D, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const xt = model.preprocess(image, { seed });
    const { z } = model.encode(xt);
    // Latent NaNs become 0, as the reference does.
    return tf.where(tf.isNaN(z), tf.zerosLike(z), z) as tf.Tensor2D;
  });
}

/** JᵀJ [D, D] of the decoder Jacobian J = ∂x̃/∂z at z [1, D]. */
export function decoderGram(model: FlowModel, z: tf.Tensor2D, method: JacobianMethod = 'layered'): tf.Tensor2D {
  return tf.tidy(() => {
    const d = z.shape[1];
    if (method === 'layered') {
      const jt = model.flow.inverseJacobianTransposed(z); // [D, D_x]: row j = ∂x̃/∂z_j
      return tf.matMul(jt, jt, false, true);
    }
    const decode = (zb: tf.Tensor) => tf.reshape(model.decode(zb).x, [zb.shape[0]!, model.dim]);
    // Rows in chunks: one reverse pass over all D copies would exceed the 4 GB wasm heap.
    const j = jacobian(decode, tf.reshape(z, [d]), { chunkRows: JACOBIAN_CHUNK_ROWS }); // [D_x, D]: rows ∂x̃_i/∂z
    return tf.matMul(j, j, true, false);
  });
}

/**
 * The exact LID spectrum of one raw image (NHWC [1, H, W, C]) under a flow (docs/reference-notes.md §3.2):
 * x̃ = dequantize+scale(x), z = f(x̃), J = ∂f⁻¹/∂z at z (D×D), and the eigenvalues of JᵀJ (the squared singular
 * values of the decoder Jacobian) with the reference's fixes.
 */
export async function flowJacobianSpectrum(
  model: FlowModel,
  image: tf.Tensor4D,
  seed: number,
  timing?: SpectrumTiming,
  method: JacobianMethod = 'layered',
): Promise<Float64Array> {
  const t0 = performance.now();
  const gram = tf.tidy(() => decoderGram(model, flowLatent(model, image, seed), method));
  const values = (await gram.data()) as Float32Array;
  const dimension = gram.shape[0]!;
  gram.dispose();
  const t1 = performance.now();
  const spectrum = gramSpectrum(values, dimension);
  if (timing) {
    timing.jacobianMs += t1 - t0;
    timing.eigenMs += performance.now() - t1;
  }
  return spectrum;
}

/**
 * The eigenvalues of JᵀJ at one raw image and its latent z rotated into their eigenbasis (what the Taylor LID
 * of the paper's earlier flow sweeps needs; docs/reference-notes.md §3.2). Same Jacobian and seed use as
 * flowJacobianSpectrum; the eigenvectors come from a full symmetric eigendecomposition, so it costs more.
 */
export async function flowJacobianEigen(model: FlowModel, image: tf.Tensor4D, seed: number): Promise<GramEigen> {
  const z = flowLatent(model, image, seed);
  const gram = tf.tidy(() => decoderGram(model, z));
  const [values, latent] = await Promise.all([gram.data() as Promise<Float32Array>, z.data() as Promise<Float32Array>]);
  const dimension = gram.shape[0]!;
  tf.dispose([gram, z]);
  return gramEigen(values, dimension, latent);
}

/** log p(x) in nats of raw NHWC images, with the reference's dequantization noise (seeded). */
export async function flowLogLikelihood(model: FlowModel, images: tf.Tensor4D, seed: number, options: Pick<LogProbOptions, 'dequantize' | 'backgroundAugmentation'> = {}): Promise<Float32Array> {
  const logp = tf.tidy(() => model.logProb(images, { seed, ...options }));
  const values = (await logp.data()) as Float32Array;
  logp.dispose();
  return values;
}
